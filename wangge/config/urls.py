from django.urls import include, path

from wangge.collection.urls import public_urlpatterns
from wangge.config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("areas/", include("wangge.areas.urls")),
    path("addresses/", include("wangge.addresses.urls")),
    path("houses/", include("wangge.housing.urls")),
    path("people/", include("wangge.people.urls")),
    path("units/", include("wangge.units.urls")),
    path("accounts/", include("wangge.accounts.urls")),
    path("collection/", include("wangge.collection.urls")),
    path("b/", include((public_urlpatterns, "booking"))),
    path("imports/", include("wangge.transfer.urls")),
    path("field/", include("wangge.fieldapp.urls")),
    path("quality/", include("wangge.quality.urls")),
    path("rechecks/", include("wangge.rechecks.urls")),
    path("anomalies/", include("wangge.anomalies.urls")),
    path("reports/", include("wangge.reports.urls")),
    path("", include("wangge.core.urls")),
]
