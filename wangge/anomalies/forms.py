"""Forms of the anomaly pages; the services check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.anomalies.choices import AnomalyState
from wangge.anomalies.rules import rule_choices
from wangge.core.forms import REASON_MAX_LENGTH, FilterForm


class AnomalyFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    rule = forms.ChoiceField(label=_("规则"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False)
    area = forms.CharField(label=_("区域编码"), required=False, max_length=18)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("全部规则")), *rule_choices()]
        self.fields["state"].choices = [("", _("全部状态")), *AnomalyState.choices]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[
            (AnomalyState.RESOLVED.value, _("已纠正：数据确有错误，已改正")),
            (AnomalyState.DISMISSED.value, _("已排除：数据无误，不是异动")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("处理说明"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class RunForm(forms.Form):
    area = forms.CharField(
        label=_("区域编码"), required=False, max_length=18, help_text=_("不填则检查您管辖的全部区域。")
    )
    rules = forms.MultipleChoiceField(
        label=_("规则"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则运行全部规则。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = rule_choices()
