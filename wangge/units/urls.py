from django.urls import path

from wangge.units import views

app_name = "units"

urlpatterns = [
    path("", views.unit_index, name="list"),
    path("new/", views.unit_create, name="create"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("<int:pk>/edit/", views.unit_edit, name="edit"),
    path("<int:pk>/end/", views.unit_end, name="end"),
    path("<int:pk>/reveal/<str:name>/", views.unit_reveal, name="reveal"),
    path("employments/", views.employment_index, name="employment_list"),
    path("employments/new/", views.employment_create, name="employment_create"),
    path("employments/<int:pk>/", views.employment_detail, name="employment_detail"),
    path("employments/<int:pk>/edit/", views.employment_edit, name="employment_edit"),
    path("employments/<int:pk>/end/", views.employment_end, name="employment_end"),
]
