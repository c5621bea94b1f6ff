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
    path("users/<int:pk>/assignments/<int:assignment_pk>/end/", views.assignment_end, name="assignment_end"),
    path("teams/<int:grid_pk>/members/new/", views.team_member_create, name="team_member_create"),
    path("team-members/<int:pk>/", views.team_member_detail, name="team_member_detail"),
    path("team-members/<int:pk>/edit/", views.team_member_edit, name="team_member_edit"),
    path("team-members/<int:pk>/end/", views.team_member_end, name="team_member_end"),
]
