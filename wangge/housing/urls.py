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
    path("merges/", views.house_merge_index, name="merges"),
    path("merges/<int:pk>/", views.house_merge_review, name="merge_detail"),
    path("merges/<int:pk>/approve/", views.house_merge_approve_view, name="merge_approve"),
    path("merges/<int:pk>/reject/", views.house_merge_reject_view, name="merge_reject"),
]
