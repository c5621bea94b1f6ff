from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.addresses.forms import STATUS_CHOICES
from wangge.areas.forms import area_choices
from wangge.areas.selectors import area_list
from wangge.core.forms import FilterForm, ServiceForm, VersionedForm
from wangge.units.models import Employment, Unit, UnitKind

UNIT_FIELDS = ["name", "kind", "credit_code", "contact_name", "contact_phone", "staff_count"]


class UnitCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = Unit
        fields = UNIT_FIELDS


class UnitForm(VersionedForm):
    masked_fields = {"contact_phone": "phone"}

    class Meta(ServiceForm.Meta):
        model = Unit
        fields = UNIT_FIELDS
        help_texts = {"contact_phone": _("显示为掩码；不改动则保持原号码，清空则删除。")}


class EmploymentCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = Employment
        fields = ["position", "hired_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hired_on"].initial = timezone.localdate()


class EmploymentForm(VersionedForm):
    class Meta(ServiceForm.Meta):
        model = Employment
        fields = ["position", "hired_on"]


class UnitFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("单位类型"), required=False, choices=[("", _("全部")), *UnitKind.choices]
    )
    area = forms.ChoiceField(label=_("区域"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("单位名称、信用代码、地址")
        self.fields["area"].choices = area_choices(
            area_list(user=user).order_by("code")[:2000], empty_label=_("全部区域")
        )


class EmploymentFilterForm(FilterForm):
    area = forms.ChoiceField(label=_("区域"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(
            area_list(user=user).order_by("code")[:2000], empty_label=_("全部区域")
        )
