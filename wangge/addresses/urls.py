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
    path("merges/", views.address_merge_index, name="merges"),
    path("merges/detect/", views.merge_detect, name="merge_detect"),
    path("merges/<int:pk>/", views.address_merge_review, name="merge_detail"),
    path("merges/<int:pk>/approve/", views.address_merge_approve_view, name="merge_approve"),
    path("merges/<int:pk>/reject/", views.address_merge_reject_view, name="merge_reject"),
]
