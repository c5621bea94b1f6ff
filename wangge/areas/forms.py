from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import Area, AreaLevel, PoliceGrid, PoliceOffice, PoliceStation
from wangge.areas.selectors import area_list
from wangge.core.forms import FilterForm, ServiceForm, VersionedForm


class AreaForm(VersionedForm):
    class Meta(ServiceForm.Meta):
        model = Area
        fields = ["name", "kind"]


def area_field(user, *, level: str, label, code_prefix: str = "") -> forms.ModelChoiceField:
    """Areas of one level inside the user's scope (and, when given, under a code prefix)."""
    areas = area_list(user=user, level=level).order_by("code")
    if code_prefix:
        areas = areas.filter(code__startswith=code_prefix)
    field = forms.ModelChoiceField(queryset=areas, label=label, empty_label="—")
    field.label_from_instance = lambda a: f"{a.name}（{a.code}）"
    return field


class PoliceStationCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = PoliceStation
        fields = ["code", "name"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"] = area_field(user, level=AreaLevel.DISTRICT, label=_("所属区县"))

    def changes(self) -> dict:
        return {**super().changes(), "district": self.cleaned_data["district"]}


class PoliceOfficeCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = PoliceOffice
        fields = ["code", "name"]

    def __init__(self, *args, user, station: PoliceStation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = area_field(
            user, level=AreaLevel.COMMUNITY, label=_("所在社区"), code_prefix=station.district.code
        )

    def changes(self) -> dict:
        return {**super().changes(), "community": self.cleaned_data["community"]}


class PoliceGridCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = PoliceGrid
        fields = ["code", "name"]


class PoliceStationForm(VersionedForm):
    class Meta(ServiceForm.Meta):
        model = PoliceStation
        fields = ["name"]


class PoliceOfficeForm(VersionedForm):
    class Meta(ServiceForm.Meta):
        model = PoliceOffice
        fields = ["name"]


class PoliceGridForm(VersionedForm):
    class Meta(ServiceForm.Meta):
        model = PoliceGrid
        fields = ["name"]


class PoliceFilterForm(FilterForm):
    q = forms.CharField(label=_("警格名称或编码"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("警格名称或编码")


class AreaFilterForm(FilterForm):
    q = forms.CharField(label=_("名称"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部层级")), *AreaLevel.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("区域名称")


def area_choices(areas, *, empty_label) -> list[tuple[str, str]]:
    """Areas as an indented <select>: the code length tells the depth."""
    choices = [("", empty_label)]
    for area in areas:
        depth = {6: 0, 9: 1, 12: 2, 15: 3, 18: 4}.get(len(area.code), 0)
        choices.append((area.code, "\u3000" * depth + area.name))
    return choices
