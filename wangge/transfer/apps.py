from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "wangge.transfer"
    verbose_name = "导入导出"
