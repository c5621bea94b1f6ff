from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "wangge.quality"
    label = "quality"
    verbose_name = _("进度与质量")
