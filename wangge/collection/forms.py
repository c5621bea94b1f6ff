"""Forms of the collection pages; the services check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.addresses.models import AddressLevel
from wangge.collection.choices import ConflictState, Priority, ShiftKind, TaskKind, TaskState

LEVEL_CHOICES = [
    (AddressLevel.DOOR_PLATE.value, _("每个门牌")),
    (AddressLevel.BUILDING.value, _("每栋楼")),
    (AddressLevel.ROOM.value, _("每户（户室）")),
]
SHIFT_CHOICES = [("", _("按地址用途和网格类型")), *ShiftKind.choices]


class TaskFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("待办和进行中")), *TaskState.choices]
    )
    kind = forms.ChoiceField(
        label=_("任务类型"), required=False, choices=[("", _("全部")), *TaskKind.choices]
    )
    area = forms.CharField(label=_("区域编码"), required=False, max_length=18)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)


class BulkTaskForm(forms.Form):
    area = forms.CharField(label=_("区域编码"), max_length=18, help_text=_("如某采集网格的 18 位编码"))
    level = forms.TypedChoiceField(label=_("生成对象"), choices=LEVEL_CHOICES, coerce=int)
    kind = forms.ChoiceField(
        label=_("任务类型"),
        choices=[
            (TaskKind.VISIT_ADDRESS, TaskKind.VISIT_ADDRESS.label),
            (TaskKind.REVISIT, TaskKind.REVISIT.label),
        ],
    )
    due_on = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    priority = forms.TypedChoiceField(
        label=_("优先级"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    shift = forms.ChoiceField(label=_("班次"), choices=SHIFT_CHOICES, required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class DoneForm(forms.Form):
    note = forms.CharField(label=_("办理结果"), max_length=500, required=False)


class ReassignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("新负责人"), queryset=None)
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = users


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理"),
        choices=[
            (ConflictState.APPLIED_DEVICE, ConflictState.APPLIED_DEVICE.label),
            (ConflictState.KEPT_SERVER, ConflictState.KEPT_SERVER.label),
        ],
    )
    note = forms.CharField(label=_("处理说明"), max_length=500, required=False)


class ShiftForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("班次"),
        choices=[(ShiftKind.DAY, ShiftKind.DAY.label), (ShiftKind.NIGHT, ShiftKind.NIGHT.label)],
    )
    starts = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))


class BookingForm(forms.Form):
    starts_at = forms.ChoiceField(label=_("上门时间"))
    phone = forms.CharField(label=_("联系电话"), max_length=32)
    message = forms.CharField(
        label=_("留言（可不填）"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].choices = [
            (moment.isoformat(), f"{moment:%m-%d} {moment:%H:%M}（{kind.label}）") for moment, kind in slots
        ]
