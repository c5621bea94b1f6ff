from django.urls import path

from wangge.areas import views

app_name = "areas"

urlpatterns = [
    path("", views.area_index, name="list"),
    path("<int:pk>/", views.area_detail, name="detail"),
    path("<int:pk>/edit/", views.area_edit, name="edit"),
    path("<int:pk>/children/", views.area_children, name="children"),
    # 公安警格: police stations → community police offices → police grids.
    path("police/", views.police_index, name="police"),
    path("police/stations/new/", views.station_create, name="station_create"),
    path("police/stations/<int:pk>/", views.station_detail, name="station_detail"),
    path("police/stations/<int:pk>/edit/", views.police_edit, {"kind": "station"}, name="station_edit"),
    path("police/stations/<int:pk>/end/", views.police_end, {"kind": "station"}, name="station_end"),
    path("police/stations/<int:pk>/children/", views.station_children, name="station_children"),
    path("police/offices/new/", views.office_create, name="office_create"),
    path("police/offices/<int:pk>/", views.office_detail, name="office_detail"),
    path("police/offices/<int:pk>/edit/", views.police_edit, {"kind": "office"}, name="office_edit"),
    path("police/offices/<int:pk>/end/", views.police_end, {"kind": "office"}, name="office_end"),
    path("police/offices/<int:pk>/children/", views.office_children, name="office_children"),
    path("police/grids/new/", views.police_grid_create, name="police_grid_create"),
    path("police/grids/<int:pk>/", views.police_grid_view, name="police_grid_detail"),
    path("police/grids/<int:pk>/edit/", views.police_edit, {"kind": "police_grid"}, name="police_grid_edit"),
    path("police/grids/<int:pk>/end/", views.police_end, {"kind": "police_grid"}, name="police_grid_end"),
    path("police/grids/<int:pk>/grids/", views.police_grid_grids, name="police_grid_grids"),
    path(
        "police/grids/<int:pk>/grids/<str:action>/",
        views.police_grid_grid_change,
        name="police_grid_grid_change",
    ),
]
