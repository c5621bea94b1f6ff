"""Accounts API: token login, and the colleagues inside one's scope (managed by admins)."""

import datetime
from typing import Annotated, Literal

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from wangge.accounts import selectors, services
from wangge.accounts.models import ApiToken, User
from wangge.accounts.roles import Role, can_manage_users
from wangge.areas.selectors import area_list
from wangge.core.api import (
    ChangePage,
    EndIn,
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
    area_id: int | None
    area_code: str | None
    area_name: str | None
    police_grid_id: int | None
    police_grid_code: str | None
    police_grid_name: str | None

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
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_phone(obj):
        return masked(obj, "phone", "phone")

    @staticmethod
    def resolve_assignments(obj):
        return list(obj.assignments.all())


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
