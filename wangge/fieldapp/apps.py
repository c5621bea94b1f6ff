from django.apps import AppConfig


class FieldappConfig(AppConfig):
    name = "wangge.fieldapp"
    verbose_name = "网格通"
