from django.urls import path

from wangge.areas import views

app_name = "areas"

urlpatterns = [
    path("", views.area_index, name="list"),
    path("<int:pk>/", views.area_detail, name="detail"),
    path("<int:pk>/edit/", views.area_edit, name="edit"),
    path("<int:pk>/children/", views.area_children, name="children"),
]
