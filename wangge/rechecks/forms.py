"""Forms of the re-check pages; the services check everything again."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import Area
from wangge.rechecks.choices import ItemState, RoundKind, RoundState, Verdict
from wangge.rechecks.fields import FIELDS, shown
from wangge.rechecks.models import PERCENT_MAX, PERCENT_MIN

DATE = forms.DateInput(attrs={"type": "date"})


class RoundForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=RoundKind.choices, initial=RoundKind.RANDOM)
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    area = forms.CharField(
        label=_("抽查区域编码"), max_length=18, help_text=_("交叉检查填配对区域的共同上级（如区县）")
    )
    period_start = forms.DateField(label=_("采集期开始"), widget=DATE)
    period_end = forms.DateField(label=_("采集期结束"), widget=DATE)
    percent = forms.DecimalField(
        label=_("抽样比例（%）"), min_value=PERCENT_MIN, max_value=PERCENT_MAX, decimal_places=1, initial=5
    )
    threshold = forms.DecimalField(
        label=_("合格线（%）"), min_value=0, max_value=100, decimal_places=1, initial=90
    )
    seed = forms.IntegerField(
        label=_("随机种子"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("不填则随机生成；同一种子抽到同样的记录"),
    )
    due_on = forms.DateField(label=_("完成期限"), required=False, widget=DATE)
    pairs = forms.CharField(
        label=_("交叉检查配对"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行两个街道或社区编码，空格分隔，双方互查"),
    )

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = areas if areas is not None else Area.objects.none()

    def _area(self, code: str, field: str) -> Area:
        area = self.areas.filter(code=code.strip()).first()
        if area is None:
            raise ValidationError({field: [_("所选记录不存在。")]})
        return area

    def clean(self):
        data = super().clean()
        if "area" in data:
            try:
                data["area"] = self._area(data["area"], "area")
            except ValidationError as exc:
                self.add_error("area", exc.message_dict["area"])
        pairs = []
        for n, line in enumerate((data.get("pairs") or "").splitlines(), start=1):
            codes = line.split()
            if not codes:
                continue
            if len(codes) != 2:
                self.add_error("pairs", _("第 %(n)s 行须为两个区域编码。") % {"n": n})
                continue
            try:
                pairs.append((self._area(codes[0], "pairs"), self._area(codes[1], "pairs")))
            except ValidationError as exc:
                self.add_error("pairs", exc.message_dict["pairs"])
        data["pairs"] = pairs
        return data


class RoundFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部")), *RoundKind.choices])
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *RoundState.choices])


class ItemFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *ItemState.choices])
    is_right = forms.TypedChoiceField(
        label=_("结果"),
        required=False,
        choices=[("", _("全部")), ("1", _("全部正确")), ("0", _("有错误"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )


class AllItemsFilterForm(ItemFilterForm):
    area = forms.RegexField(label=_("区域编码"), required=False, max_length=18, regex=r"^[0-9]*$")
    checked_from = forms.DateField(label=_("抽查日期自"), required=False, widget=DATE)
    checked_to = forms.DateField(label=_("至"), required=False, widget=DATE)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class AssignForm(forms.Form):
    checker = forms.ModelChoiceField(label=_("抽查人"), queryset=None)
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checker"].queryset = users


class RecordForm(forms.Form):
    """One verdict (and, when not right, the value found) per checked field; built from the item's kind."""

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        self.rows = []
        for spec in FIELDS[item.kind]:
            verdicts = (
                Verdict.choices
                if spec.correctable
                else [c for c in Verdict.choices if c[0] != Verdict.CORRECTED]
            )
            verdict = forms.ChoiceField(
                label=spec.label,
                choices=verdicts,
                initial=Verdict.RIGHT,
                widget=forms.RadioSelect(attrs={"class": "inline"}),
            )
            if spec.choices is not None:
                value = forms.ChoiceField(
                    label=_("实地值"), required=False, choices=[("", "—"), *spec.choices.choices]
                )
            else:
                value = forms.CharField(label=_("实地值"), required=False, max_length=500)
            self.fields[f"{spec.name}__verdict"] = verdict
            self.fields[f"{spec.name}__value"] = value
            recorded = item.snapshot.get(spec.name, "")
            self.rows.append(
                {
                    "spec": spec,
                    "recorded": spec.display(recorded)
                    if not spec.sensitive
                    else shown(spec, recorded, reveal=False),
                    "verdict": self[f"{spec.name}__verdict"],
                    "value": self[f"{spec.name}__value"],
                }
            )
        self.fields["note"] = forms.CharField(label=_("备注"), max_length=500, required=False)

    def findings(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "field": spec.name,
                "verdict": data[f"{spec.name}__verdict"],
                "value": data.get(f"{spec.name}__value", ""),
            }
            for spec in FIELDS[self.item.kind]
        ]

    def aliases(self) -> dict[str, str]:
        """Service errors are named by field; on the form they belong next to that field's verdict."""
        return {spec.name: f"{spec.name}__verdict" for spec in FIELDS[self.item.kind]}
