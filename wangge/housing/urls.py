from django.urls import path

from wangge.housing import views

app_name = "housing"

urlpatterns = [
    path("", views.house_index, name="list"),
    path("new/", views.house_create, name="create"),
    path("<int:pk>/", views.house_detail, name="detail"),
    path("<int:pk>/edit/", views.house_edit, name="edit"),
    path("<int:pk>/end/", views.house_end, name="end"),
    path("<int:pk>/reveal/<str:name>/", views.house_reveal, name="reveal"),
    path("<int:pk>/children/", views.house_children, name="children"),
]
