from django.urls import path

from wangge.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_index, name="list"),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/end/", views.person_end, name="end"),
    path("<int:pk>/reveal/<str:name>/", views.person_reveal, name="reveal"),
    path("residences/", views.residence_index, name="residence_list"),
    path("residences/new/", views.residence_create, name="residence_create"),
    path("residences/<int:pk>/", views.residence_detail, name="residence_detail"),
    path("residences/<int:pk>/edit/", views.residence_edit, name="residence_edit"),
    path("residences/<int:pk>/end/", views.residence_end, name="residence_end"),
]
