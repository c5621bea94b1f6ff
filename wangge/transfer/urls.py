from django.urls import path

from wangge.transfer import views

app_name = "transfer"

urlpatterns = [
    path("", views.import_index, name="index"),
    path("templates/<str:kind>.xlsx", views.import_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/status/", views.import_status, name="status"),
    path("<int:pk>/commit/", views.import_confirm, name="commit"),
    path("<int:pk>/cancel/", views.import_abandon, name="cancel"),
    path("<int:pk>/errors.xlsx", views.import_errors, name="errors"),
]
