from django.urls import path

from wangge.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("<int:pk>/", views.report_page, name="detail"),
    path("<int:pk>/status/", views.report_status, name="status"),
    path("<int:pk>/download/", views.report_file, name="download"),
    path("<str:code>/<str:day>/print/", views.report_print, name="print"),
]
