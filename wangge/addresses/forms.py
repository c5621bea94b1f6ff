from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.areas.forms import area_choices
from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_list
from wangge.core.forms import FilterForm, ServiceForm, VersionedForm

STATUS_CHOICES = [("", _("全部")), ("current", _("现有")), ("ended", _("已注销"))]


def grid_field(user, **kwargs) -> forms.ModelChoiceField:
    """Only the collection grids the user may see; a foreign id is "not a valid choice"."""
    field = forms.ModelChoiceField(
        queryset=area_list(user=user, level=AreaLevel.GRID).order_by("code"),
        label=_("采集网格"),
        empty_label=_("请选择"),
        **kwargs,
    )
    field.label_from_instance = lambda area: f"{area.name}（{area.code}）"
    return field


class AddressCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = StandardAddress
        fields = ["level", "name", "latitude", "longitude"]

    def __init__(self, *args, user, parent=None, grid=None, **kwargs):
        super().__init__(*args, **kwargs)
        level = self.fields["level"]
        if parent is not None:
            level.choices = [(v, label) for v, label in AddressLevel.choices if v > parent.level]
            level.initial = min(parent.level + 1, AddressLevel.ROOM)
        else:
            # Only a road starts a new branch; everything else hangs under a parent.
            level.choices = [(AddressLevel.ROAD, AddressLevel.ROAD.label)]
            level.initial = AddressLevel.ROAD
            if grid is None:
                self.fields["grid"] = grid_field(user)


class AddressForm(VersionedForm):
    class Meta(ServiceForm.Meta):
        model = StandardAddress
        fields = ["name", "grid", "latitude", "longitude"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"] = grid_field(user, initial=self.initial.get("grid"))

    def changes(self) -> dict:
        data = super().changes()
        if self.record is not None and data.get("grid") == self.record.grid:
            # An unchanged grid would still trigger the scope check on the move; leave it out.
            del data["grid"]
        return data


class AddressFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("层级"), required=False)
    area = forms.ChoiceField(label=_("区域"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("地址全称或编码")
        self.fields["level"].choices = [("", _("全部层级")), *AddressLevel.choices]
        self.fields["area"].choices = area_choices(
            area_list(user=user).order_by("code")[:2000], empty_label=_("全部区域")
        )
