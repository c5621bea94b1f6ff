from django.urls import path

from wangge.rechecks import views

app_name = "rechecks"

urlpatterns = [
    path("", views.round_index, name="rounds"),
    path("new/", views.round_create, name="round_create"),
    path("mine/", views.my_items, name="mine"),
    path("items/", views.item_index, name="items"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/items/", views.round_items, name="round_items"),
    path("<int:pk>/cross/", views.round_cross, name="round_cross"),
    path("<int:pk>/<str:action>/", views.round_action, name="round_action"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/assign/", views.item_assign, name="item_assign"),
]
