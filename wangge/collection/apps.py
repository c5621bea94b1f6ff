from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "wangge.collection"
    label = "collection"
    verbose_name = _("入户采集")
