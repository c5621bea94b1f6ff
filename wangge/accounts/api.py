"""Accounts API: token login, the colleagues inside one's scope (managed by admins), and grid teams."""

import datetime
from typing import Annotated, Literal

from django.contrib.auth import authenticate
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from wangge.accounts import selectors, services
from wangge.accounts.models import ApiToken, TeamMember, TeamMemberKind, User, hash_token
from wangge.accounts.roles import Role, can_manage_teams, can_manage_users
from wangge.areas.models import Area, AreaLevel
from wangge.areas.selectors import area_detail, area_list
from wangge.core.api import (
    ChangePage,
    Day,
    EndIn,
    EndOnIn,
    ErrorOut,
    Id,
    Input,
    Pagination,
    PathId,
    Text,
    ValidationErrorOut,
    actor,
    choice,
    field_error,
    history_page,
    masked,
    optional,
    page_of,
    paginate,
    resolve,
    responses,
    sent,
)
from wangge.core.services import require
from wangge.people.identity import normalise_phone

auth_router = Router(tags=["auth 认证"])
users_router = Router(tags=["users 用户"])
# The team of a collection grid is reached through its area: /areas/{id}/team.
area_team_router = Router(tags=["teams 网格工作小组"])
team_members_router = Router(tags=["teams 网格工作小组"])

RoleField = choice(Role, description="角色")
USER_SENSITIVE = {"phone": "phone"}


class TokenIn(Input):
    username: Text(150, min_length=1)
    password: Text(1024, min_length=1)


class TokenOut(Schema):
    token: str = Field(description="放在请求头 Authorization: Bearer <token> 中使用")
    expires_at: datetime.datetime


class AssignmentOut(Schema):
    id: int
    user_id: int
    area_id: int | None
    area_code: str | None
    area_name: str | None
    police_grid_id: int | None
    police_grid_code: str | None
    police_grid_name: str | None
    ended_on: datetime.date | None = Field(description="结束日期；null 表示当前有效")
    end_reason: str

    @staticmethod
    def resolve_area_code(obj):
        return obj.area.code if obj.area_id else None

    @staticmethod
    def resolve_area_name(obj):
        return obj.area.name if obj.area_id else None

    @staticmethod
    def resolve_police_grid_code(obj):
        return obj.police_grid.code if obj.police_grid_id else None

    @staticmethod
    def resolve_police_grid_name(obj):
        return obj.police_grid.name if obj.police_grid_id else None


class UserOut(Schema):
    id: int
    username: str
    name: str
    role: str = Field(description="角色代码，见 UserIn.role")
    phone: str = Field(description="打码显示")
    email: str
    is_party_member: bool
    is_active: bool
    date_joined: datetime.datetime
    assignments: list[AssignmentOut] = Field(description="当前任职区域/警格：范围由它们决定")
    past_assignments: list[AssignmentOut] = Field(description="已结束的任职区域/警格，最近结束的在前")

    @staticmethod
    def resolve_phone(obj):
        return masked(obj, "phone", "phone")

    @staticmethod
    def resolve_assignments(obj):
        return obj.current_assignments

    @staticmethod
    def resolve_past_assignments(obj):
        return [a for a in obj.assignments.all() if a.ended_on is not None]


class UserFilters(Pagination):
    q: str = Field("", max_length=100, description="用户名或姓名包含")
    role: Literal[tuple(Role.values)] = optional(description="角色")


AssignmentIds = Annotated[list[Id], Field(max_length=50)]


class UserIn(Input):
    username: Text(150, min_length=1, description="字母、数字和 @.+-_")
    password: Text(128, min_length=1, description="至少 8 位，不能是常见密码")
    role: RoleField
    name: Text(50) = ""
    phone: Text(32) = ""
    email: Text(254) = ""
    is_party_member: bool = Field(False, strict=True)
    areas: AssignmentIds = Field(default_factory=list, description="任职区域 id（须在您的范围内）")
    police_grids: AssignmentIds = Field(
        default_factory=list, description="任职警格 id（民警；警格覆盖的网格须全在您的范围内）"
    )


class UserPatch(Input):
    name: Text(50) = optional()
    role: RoleField = optional()
    phone: Text(32) = optional()
    email: Text(254) = optional()
    is_party_member: bool = optional(strict=True)


class AssignmentIn(Input):
    area: Id | None = Field(None, description="任职区域 id（须在您的范围内）；与 police_grid 二选一")
    police_grid: Id | None = Field(
        None, description="任职警格 id（民警；警格覆盖的网格须全在您的范围内）；与 area 二选一"
    )


UserPage = page_of(UserOut)


def _user(request, pk: int) -> User:
    return selectors.user_detail(user=request.user, pk=pk)


def _require_manager(request) -> None:
    # The services check the role too; checking it before anything else keeps the answer to a role that may not
    # a plain 403, whatever the request holds.
    require(actor(request), can_manage_users(request.user))


def _assignment_targets(request, payload: UserIn) -> tuple[list, list]:
    """Areas and police grids by id, each inside the acting admin's scope, so no one grants more than they hold."""
    wanted = list(dict.fromkeys(payload.areas))
    visible_areas = {a.pk: a for a in area_list(user=request.user).filter(pk__in=wanted)}
    areas = []
    for pk in wanted:
        if pk not in visible_areas:
            raise field_error("areas")
        areas.append(visible_areas[pk])
    grantable = selectors.grantable_police_grids(user=request.user)
    police_grids = [resolve(grantable, pk, "police_grids") for pk in dict.fromkeys(payload.police_grids)]
    return areas, police_grids


@auth_router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ValidationErrorOut},
    summary="用户名密码换取接口令牌",
)
def token_create(request, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        # One answer for a wrong name, a wrong password and a disabled account: nothing to probe.
        return Status(401, {"detail": _("用户名或密码错误。")})
    token, raw = ApiToken.objects.issue(user)
    return {"token": raw, "expires_at": token.expires_at}


@auth_router.post("/logout", response={204: None, 401: ErrorOut}, summary="退出登录：作废本次使用的令牌")
def token_revoke(request):
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    # Only the token this request came with: the user's other devices stay logged in.
    ApiToken.objects.filter(user=request.user, key_hash=hash_token(raw)).delete()
    return Status(204, None)


@users_router.get("/", response=responses({200: UserPage}), summary="用户列表（范围内的同事）")
def user_list(request, filters: Query[UserFilters]):
    users = selectors.user_list(user=request.user, q=filters.q, role=filters.role or "")
    return paginate(users, filters)


@users_router.post("/", response=responses({201: UserOut}, write=True), summary="新建用户（管理员）")
def user_create(request, payload: UserIn):
    fields = payload.model_dump(exclude={"areas", "police_grids"})
    fields["phone"] = normalise_phone(fields["phone"], "phone")
    _require_manager(request)
    areas, police_grids = _assignment_targets(request, payload)
    user = services.user_create(actor=actor(request), areas=areas, police_grids=police_grids, **fields)
    return Status(201, selectors.user_detail(user=request.user, pk=user.pk))


@users_router.get("/{id}", response=responses({200: UserOut}, path=True), summary="用户详情")
def user_detail(request, id: PathId):
    return _user(request, id)


@users_router.patch(
    "/{id}", response=responses({200: UserOut}, path=True, write=True), summary="修改用户（管理员）"
)
def user_update(request, id: PathId, payload: UserPatch):
    user = _user(request, id)
    _require_manager(request)
    fields = sent(payload)
    if "phone" in fields:
        fields["phone"] = normalise_phone(fields["phone"], "phone")
    services.user_update(actor=actor(request), user=user, **fields)
    return user


@users_router.post(
    "/{id}/end", response=responses({200: UserOut}, path=True, write=True), summary="停用用户（管理员）"
)
def user_end(request, id: PathId, payload: EndIn):
    user = _user(request, id)
    _require_manager(request)
    services.user_deactivate(actor=actor(request), user=user, reason=payload.reason)
    return user


@users_router.get("/{id}/history", response=responses({200: ChangePage}, path=True), summary="用户变更记录")
def user_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_user(request, id), pagination, sensitive=USER_SENSITIVE)


@users_router.post(
    "/{id}/assignments",
    response=responses({201: AssignmentOut}, path=True, write=True),
    summary="添加任职区域或警格（管理员）",
)
def assignment_create(request, id: PathId, payload: AssignmentIn):
    user = _user(request, id)
    _require_manager(request)
    if (payload.area is None) == (payload.police_grid is None):
        raise field_error("area", _("请在任职区域和任职警格中选择一项。"))
    area = resolve(area_list(user=request.user), payload.area, "area")
    police_grid = resolve(
        selectors.grantable_police_grids(user=request.user), payload.police_grid, "police_grid"
    )
    assignment = services.assignment_add(actor=actor(request), user=user, area=area, police_grid=police_grid)
    return Status(201, assignment)


@users_router.post(
    "/{id}/assignments/{assignment_id}/end",
    response=responses({200: AssignmentOut}, path=True, write=True),
    summary="结束任职区域或警格（管理员）：对方立即看不到该范围",
)
def assignment_end(request, id: PathId, assignment_id: PathId, payload: EndIn):
    assignment = selectors.assignment_detail(account=_user(request, id), pk=assignment_id)
    _require_manager(request)
    services.assignment_end(actor=actor(request), assignment=assignment, reason=payload.reason)
    return assignment


# --- grid teams --------------------------------------------------------------------------------------------

TeamKind = choice(TeamMemberKind, description="成员类别")


class TeamMemberOut(Schema):
    id: int
    team_id: int
    grid_id: int
    grid_name: str
    kind: str = Field(description="auxiliary_police=网格辅警；grid_worker=专职网格员；volunteer=群防群治力量")
    name: str
    phone: str = Field(description="打码显示")
    user_id: int | None = Field(description="关联的系统账号")
    username: str | None
    joined_on: datetime.date
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    ended_on: datetime.date | None = Field(description="离开日期；null 表示仍在小组")
    end_reason: str

    @staticmethod
    def resolve_grid_id(obj):
        return obj.team.grid_id

    @staticmethod
    def resolve_grid_name(obj):
        return obj.team.grid.name

    @staticmethod
    def resolve_phone(obj):
        return masked(obj, "phone")

    @staticmethod
    def resolve_username(obj):
        return obj.user.username if obj.user_id else None


class TeamOut(Schema):
    id: int | None = Field(description="小组 id；尚无成员时为 null")
    grid_id: int
    grid_code: str
    grid_name: str
    members: list[TeamMemberOut] = Field(description="当前成员在前，已离开的在后")


class TeamMemberIn(Input):
    kind: TeamKind
    name: Text(50, description="姓名；关联账号时可不填，取账号姓名") = ""
    phone: Text(32, description="手机或固话") = ""
    user: Id | None = Field(None, description="关联的系统账号 id（须在您的范围内）")
    joined_on: Day | None = Field(None, description="加入日期，默认今天")


class TeamMemberPatch(Input):
    kind: TeamKind = optional()
    name: Text(50, min_length=1) = optional()
    phone: Text(32) = optional()
    user: Id | None = optional(description="关联的系统账号 id；null 取消关联")
    joined_on: Day = optional()
    version: Id = optional(description="读取时的版本号；已被他人修改时返回 422（字段 version）")


def _grid(request, pk: int) -> Area:
    """A collection grid in scope; other levels have no team, and answer like a missing id."""
    area = area_detail(user=request.user, pk=pk)
    if area.level != AreaLevel.GRID:
        raise Http404
    return area


def _member(request, pk: int) -> TeamMember:
    return selectors.team_member_detail(user=request.user, pk=pk)


def _require_team_manager(request) -> None:
    require(actor(request), can_manage_teams(request.user))


def _account(request, pk: int | None) -> User | None:
    return resolve(selectors.team_member_candidates(user=request.user), pk, "user")


@area_team_router.get(
    "/{id}/team", response=responses({200: TeamOut}, path=True), summary="采集网格的工作小组及成员"
)
def team_detail(request, id: PathId):
    grid = _grid(request, id)
    # A team is made with its first member and members are never deleted: no members, no team yet.
    members = list(selectors.team_member_list(user=request.user, grid=grid))
    return {
        "id": members[0].team_id if members else None,
        "grid_id": grid.pk,
        "grid_code": grid.code,
        "grid_name": grid.name,
        "members": members,
    }


@area_team_router.post(
    "/{id}/team/members",
    response=responses({201: TeamMemberOut}, path=True, write=True),
    summary="添加工作小组成员（管理员、网格长）",
)
def team_member_create(request, id: PathId, payload: TeamMemberIn):
    grid = _grid(request, id)
    _require_team_manager(request)
    member = services.team_add_member(
        actor=actor(request),
        grid=grid,
        kind=payload.kind,
        name=payload.name,
        phone=payload.phone,
        user=_account(request, payload.user),
        joined_on=payload.joined_on,
    )
    return Status(201, _member(request, member.pk))


@team_members_router.get("/{id}", response=responses({200: TeamMemberOut}, path=True), summary="小组成员详情")
def team_member_detail(request, id: PathId):
    return _member(request, id)


@team_members_router.patch(
    "/{id}",
    response=responses({200: TeamMemberOut}, path=True, write=True),
    summary="修改小组成员（管理员、网格长）",
)
def team_member_update(request, id: PathId, payload: TeamMemberPatch):
    member = _member(request, id)
    _require_team_manager(request)
    fields = sent(payload)
    version = fields.pop("version", None)
    if "user" in fields:
        fields["user"] = _account(request, fields["user"])
    services.team_member_update(actor=actor(request), member=member, expected_version=version, **fields)
    return _member(request, id)


@team_members_router.post(
    "/{id}/end",
    response=responses({200: TeamMemberOut}, path=True, write=True),
    summary="成员离开小组（管理员、网格长）：记录日期与原因，不删除",
)
def team_member_end(request, id: PathId, payload: EndOnIn):
    member = _member(request, id)
    _require_team_manager(request)
    services.team_member_end(actor=actor(request), member=member, reason=payload.reason, left_on=payload.on)
    return member


@team_members_router.get(
    "/{id}/history", response=responses({200: ChangePage}, path=True), summary="小组成员变更记录"
)
def team_member_history(request, id: PathId, pagination: Query[Pagination]):
    return history_page(_member(request, id), pagination)
