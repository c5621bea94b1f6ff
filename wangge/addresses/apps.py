from django.apps import AppConfig


class AddressesConfig(AppConfig):
    name = "wangge.addresses"
    verbose_name = "标准地址"
