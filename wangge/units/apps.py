from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "wangge.units"
    verbose_name = "实有单位"
