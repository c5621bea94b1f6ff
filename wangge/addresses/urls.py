from django.urls import path

from wangge.addresses import views

app_name = "addresses"

urlpatterns = [
    path("", views.address_index, name="list"),
    path("new/", views.address_create, name="create"),
    path("<int:pk>/", views.address_detail, name="detail"),
    path("<int:pk>/edit/", views.address_edit, name="edit"),
    path("<int:pk>/end/", views.address_end, name="end"),
    path("<int:pk>/children/", views.address_children, name="children"),
]
