from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.reports.selectors import reportable_areas
from wangge.reports.services import nightly_day


class ReportForm(forms.Form):
    """生成日报: which district or street, which day (default: yesterday, the last whole day)."""

    area = forms.ModelChoiceField(label=_("区域"), queryset=None, empty_label=None)
    day = forms.DateField(
        label=_("统计日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("数据截至该日（含）；默认昨天。"),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("day", nightly_day())
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = reportable_areas(user=user)
        self.fields["area"].label_from_instance = lambda area: f"{area.name}（{area.code}）"
