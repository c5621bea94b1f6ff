from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import Area, AreaLevel
from wangge.core.forms import FilterForm, ServiceForm, VersionedForm


class AreaForm(VersionedForm):
    class Meta(ServiceForm.Meta):
        model = Area
        fields = ["name", "kind"]


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
