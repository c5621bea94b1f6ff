from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import TeamMember, User
from wangge.accounts.roles import Role, role_rank
from wangge.accounts.selectors import grantable_police_grids, team_member_candidates
from wangge.areas.selectors import area_list
from wangge.core.forms import FilterForm, ServiceForm, VersionedForm


def assignable_roles(manager) -> list[tuple[str, str]]:
    rank = role_rank(manager.role)
    return [(value, label) for value, label in Role.choices if role_rank(value) >= rank]


def area_field(manager, **kwargs) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        queryset=area_list(user=manager).order_by("code"), label=_("任职区域"), empty_label="—", **kwargs
    )
    field.label_from_instance = lambda a: f"{a.name}（{a.get_level_display()} {a.code}）"
    return field


def police_grid_field(manager, **kwargs) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        queryset=grantable_police_grids(user=manager).select_related("office"),
        label=_("任职警格"),
        empty_label="—",
        **kwargs,
    )
    field.label_from_instance = lambda pg: f"{pg.name}（{pg.office.name}）"
    return field


class UserCreateForm(ServiceForm):
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能是常见密码。"),
    )

    class Meta(ServiceForm.Meta):
        model = User
        fields = ["username", "name", "role", "phone", "email", "is_party_member"]

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(manager)
        self.fields["area"] = area_field(manager, required=False)
        self.fields["police_grid"] = police_grid_field(manager, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("area") and not data.get("police_grid"):
            self.add_error("area", _("请选择任职区域或任职警格。"))
        return data

    def user_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}


class UserForm(ServiceForm):
    masked_fields = {"phone": "phone"}

    class Meta(ServiceForm.Meta):
        model = User
        fields = ["name", "role", "phone", "email", "is_party_member"]
        help_texts = {"phone": _("显示为掩码；不改动则保持原号码，清空则删除。")}

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(manager)
        if self.record is not None and self.record.pk == manager.pk:
            # An admin demoting themselves by mistake would lock themselves out of this very page.
            self.fields["role"].disabled = True
            self.fields["role"].help_text = _("不能修改自己的角色。")


class AssignmentForm(forms.Form):
    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"] = area_field(manager, required=False)
        self.fields["police_grid"] = police_grid_field(manager, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("area")) == bool(data.get("police_grid")):
            raise forms.ValidationError(_("请在任职区域和任职警格中选择一项。"))
        return data


class UserFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("用户名或姓名")


def account_field(user, **kwargs) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        queryset=team_member_candidates(user=user),
        label=_("关联账号"),
        empty_label="—",
        required=False,
        help_text=_("小组成员有系统账号时关联；群防群治力量可不关联。"),
        **kwargs,
    )
    field.label_from_instance = lambda u: f"{u}（{u.username} · {u.get_role_display()}）"
    return field


class TeamMemberCreateForm(ServiceForm):
    class Meta(ServiceForm.Meta):
        model = TeamMember
        fields = ["kind", "name", "phone", "user", "joined_on"]
        help_texts = {"name": _("关联账号时可不填，取账号姓名。")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"] = account_field(user)
        self.fields["name"].required = False
        self.fields["joined_on"].required = False
        self.fields["joined_on"].help_text = _("不填则为今天。")


class TeamMemberForm(VersionedForm):
    masked_fields = {"phone": "phone"}

    class Meta(ServiceForm.Meta):
        model = TeamMember
        fields = ["kind", "name", "phone", "user", "joined_on"]
        help_texts = {"phone": _("显示为掩码；不改动则保持原号码，清空则删除。")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"] = account_field(user)
