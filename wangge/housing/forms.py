from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.addresses.forms import STATUS_CHOICES
from wangge.areas.forms import area_choices
from wangge.areas.selectors import area_list
from wangge.core.forms import DATE_FILTER, FilterForm, ServiceForm, VersionedForm
from wangge.housing.models import House, HouseUse, RentalStatus

HOUSE_FIELDS = ["use", "rental_status", "owner_name", "owner_phone", "rooms", "floor_area"]


class HouseCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = House
        fields = HOUSE_FIELDS


class HouseForm(VersionedForm):
    masked_fields = {"owner_phone": "phone"}

    class Meta(ServiceForm.Meta):
        model = House
        fields = HOUSE_FIELDS
        help_texts = {"owner_phone": _("显示为掩码；不改动则保持原号码，清空则删除。")}


class HouseFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    use = forms.ChoiceField(label=_("房屋用途"), required=False, choices=[("", _("全部")), *HouseUse.choices])
    rental_status = forms.ChoiceField(
        label=_("使用状态"), required=False, choices=[("", _("全部")), *RentalStatus.choices]
    )
    area = forms.ChoiceField(label=_("区域"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)
    # The progress dashboard links here with these to list the houses behind a rate.
    unverified_since = forms.DateField(label=_("自此日起未核实"), required=False, widget=DATE_FILTER)
    uncollected = forms.BooleanField(label=_("未采集（无人居住、无单位）"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("地址、房屋编码、房主姓名")
        self.fields["area"].choices = area_choices(
            area_list(user=user).order_by("code")[:2000], empty_label=_("全部区域")
        )
