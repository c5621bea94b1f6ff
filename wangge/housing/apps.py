from django.apps import AppConfig


class HousingConfig(AppConfig):
    name = "wangge.housing"
    verbose_name = "实有房屋"
