from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.addresses.models import AddressLevel, MergeStatus, StandardAddress
from wangge.areas.forms import area_choices
from wangge.areas.models import AreaLevel
from wangge.areas.selectors import area_list
from wangge.core.forms import DATE_FILTER, REASON_MAX_LENGTH, FilterForm, ServiceForm, VersionedForm

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
    # The progress dashboard links here with it to list the flats behind the visit rate.
    not_visited_since = forms.DateField(label=_("自此日起未访查的户"), required=False, widget=DATE_FILTER)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("地址全称或编码")
        self.fields["level"].choices = [("", _("全部层级")), *AddressLevel.choices]
        self.fields["area"].choices = area_field_choices(user)


# --- duplicates and merges ----------------------------------------------------------------------------------


def area_field_choices(user):
    return area_choices(area_list(user=user).order_by("code")[:2000], empty_label=_("全部区域"))


class MergeFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *MergeStatus.choices]
    )
    kind = forms.ChoiceField(label=_("发现方式"), required=False)
    area = forms.ChoiceField(label=_("区域"), required=False)

    def __init__(self, *args, user, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("地址全称、地址编码或房屋编码")
        self.fields["kind"].choices = [("", _("全部")), *kinds]
        self.fields["area"].choices = area_field_choices(user)


class DetectForm(forms.Form):
    area = forms.ChoiceField(label=_("查找范围"), required=False, help_text=_("不选则查找您的全部范围。"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_field_choices(user)


class MergeApproveForm(forms.Form):
    survivor = forms.TypedChoiceField(label=_("保留哪一条"), coerce=int, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = choices


class MergeRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("驳回原因"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
