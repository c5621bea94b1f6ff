from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.addresses.forms import STATUS_CHOICES, grid_field
from wangge.areas.forms import area_choices
from wangge.areas.selectors import area_list
from wangge.core.forms import DATE_FILTER, FilterForm, ServiceForm, VersionedForm
from wangge.people.choices import Category, PersonStatus, Relation, Sex
from wangge.people.models import Person, Residence

PERSON_FIELDS = [
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "category",
    "hukou_address",
    "hukou_division",
]
ID_HELP = _("居民身份证的性别和出生日期以证件号码为准。")


class PersonForm(VersionedForm):
    masked_fields = {"id_number": "id", "phone": "phone"}

    class Meta(ServiceForm.Meta):
        model = Person
        fields = PERSON_FIELDS
        help_texts = {
            "id_number": _("显示为掩码；不改动则保持原号码。") + ID_HELP,
            "phone": _("显示为掩码；不改动则保持原号码，清空则删除。"),
        }


class PersonCreateForm(ServiceForm):
    """A new person in a grid, optionally moving straight into a house (the residence is made too)."""

    house_code = forms.CharField(
        label=_("入住房屋编码"),
        required=False,
        max_length=64,
        help_text=_("可选：填写房屋编码，同时办理入住登记。"),
    )
    relation = forms.ChoiceField(
        label=_("与房屋关系"), required=False, choices=[("", "—"), *Relation.choices]
    )
    started_on = forms.DateField(
        label=_("入住日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta(ServiceForm.Meta):
        model = Person
        fields = ["grid", *PERSON_FIELDS]
        help_texts = {"id_number": ID_HELP}

    def __init__(self, *args, user, house=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"] = grid_field(user, required=False)
        if house is not None:
            # The house decides the grid; asking for it again could only contradict it.
            del self.fields["grid"]
            self.fields["house_code"].initial = house.house_code
            self.fields["house_code"].widget = forms.HiddenInput()
            self.fields["relation"].required = True
            self.fields["started_on"].required = True
            self.fields["started_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if "grid" in self.fields and not data.get("grid") and not data.get("house_code"):
            self.add_error("grid", _("请选择采集网格，或填写入住房屋编码。"))
        if data.get("house_code"):
            for name in ("relation", "started_on"):
                if not data.get(name):
                    self.add_error(name, _("办理入住时必填。"))
        return data

    def person_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in PERSON_FIELDS}


class ResidenceForm(VersionedForm):
    class Meta(ServiceForm.Meta):
        model = Residence
        fields = ["relation", "is_primary", "started_on"]


class ResidenceCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = Residence
        fields = ["relation", "is_primary", "started_on", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = timezone.localdate()


class PersonFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    area = forms.ChoiceField(label=_("区域"), required=False)
    category = forms.ChoiceField(
        label=_("人员类别"), required=False, choices=[("", _("全部")), *Category.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *PersonStatus.choices]
    )
    sex = forms.ChoiceField(label=_("性别"), required=False, choices=[("", _("全部")), *Sex.choices])
    # The progress dashboard links here with these to list the people behind a rate.
    unverified_since = forms.DateField(label=_("自此日起未核实"), required=False, widget=DATE_FILTER)
    registered_since = forms.DateField(label=_("自此日起登记"), required=False, widget=DATE_FILTER)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、拼音首字母、证件号、电话、地址")
        self.fields["area"].choices = area_choices(
            area_list(user=user).order_by("code")[:2000], empty_label=_("全部区域")
        )


class ResidenceFilterForm(FilterForm):
    area = forms.ChoiceField(label=_("区域"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(
            area_list(user=user).order_by("code")[:2000], empty_label=_("全部区域")
        )
