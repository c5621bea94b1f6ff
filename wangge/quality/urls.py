from django.urls import path

from wangge.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ranking/", views.ranking, name="ranking"),
    path("workers/", views.workers, name="workers"),
]
