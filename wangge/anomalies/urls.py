from django.urls import path

from wangge.anomalies import views

app_name = "anomalies"

urlpatterns = [
    path("", views.anomaly_index, name="list"),
    path("<int:pk>/", views.anomaly_detail, name="detail"),
    path("runs/", views.run_index, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
]
