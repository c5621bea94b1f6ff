from django.urls import path

from wangge.accounts import views

app_name = "accounts"

urlpatterns = [
    path("users/", views.user_index, name="list"),
    path("users/new/", views.user_create, name="create"),
    path("users/<int:pk>/", views.user_detail, name="detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="deactivate"),
    path("users/<int:pk>/assignments/new/", views.assignment_create, name="assignment_create"),
]
