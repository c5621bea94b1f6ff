from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RechecksConfig(AppConfig):
    name = "wangge.rechecks"
    label = "rechecks"
    verbose_name = _("实地抽查与交叉检查")
