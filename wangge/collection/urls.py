from django.urls import path

from wangge.collection import views

app_name = "collection"

urlpatterns = [
    path("tasks/", views.task_index, name="tasks"),
    path("tasks/bulk/", views.task_bulk, name="task_bulk"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path(
        "tasks/<int:pk>/appointment/reveal/",
        views.task_appointment_reveal,
        name="task_appointment_reveal",
    ),
    path("tasks/<int:pk>/<str:action>/", views.task_action, name="task_action"),
    path("visits/", views.visit_index, name="visits"),
    path("conflicts/", views.conflict_index, name="conflicts"),
    path("conflicts/<int:pk>/", views.conflict_detail, name="conflict"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/children/", views.coverage_children, name="coverage_children"),
    path("notes/<int:address_pk>/", views.door_notes, name="door_notes"),
    path("shifts/", views.shift_index, name="shifts"),
]

public_urlpatterns = [
    path("<str:token>/", views.booking, name="booking"),
]
