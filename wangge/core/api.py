"""What every part of the JSON API shares: bearer auth, JSON errors, input types, pagination, masking, history.

Each app's api.py only declares its routes and schemas; how a request is authenticated, how an error reads and
how a sensitive value is shown are decided here once, so no endpoint can drift from the others.
"""

import datetime
import json
import re
from typing import Annotated, Any, Literal

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.db import IntegrityError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from wangge.core.actor import Actor
from wangge.core.masking import mask
from wangge.core.models import Source
from wangge.core.services import history

# Largest value a BigAutoField holds: anything above cannot exist, and sending it on to the database would
# overflow (PostgreSQL raises, SQLite cannot even bind it) instead of answering "not found".
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_TOKEN_LENGTH = 256


# --- authentication --------------------------------------------------------------------------------------


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>` from POST /auth/token; a disabled user's tokens stop working at once."""

    def authenticate(self, request, token):
        from wangge.accounts.models import ApiToken

        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        user = ApiToken.objects.user_for(token)
        if user is None:
            return None
        # Services and Actor.from_request read request.user; the session middleware knows nothing of tokens.
        request.user = user
        return user


def actor(request) -> Actor:
    return Actor.from_request(request, source=Source.API)


# --- rendering ---------------------------------------------------------------------------------------------


class WanggeAPI(NinjaAPI):
    """Answers carry names, addresses and (after a reveal) full ID numbers: no browser or proxy keeps a copy."""

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        response["Cache-Control"] = "no-store"
        return response


class Renderer(JSONRenderer):
    """UTF-8 JSON with Chinese left readable.

    A lone surrogate (possible only when an error echoes a client's own malformed key) cannot be encoded as
    UTF-8; backslashreplace turns it into a JSON \\uXXXX escape instead of failing the response.
    """

    def render(self, request, data, *, response_status):
        text = json.dumps(data, cls=self.encoder_class, ensure_ascii=False)
        return text.encode("utf-8", errors="backslashreplace")


# --- errors ------------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(
        description="字段名 → 错误信息列表；与具体字段无关的错误在 `__all__` 下。"
    )


# Pydantic's own messages are English; these are what a Chinese client should read instead.
PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("必填。"),
    "extra_forbidden": gettext_lazy("不允许的字段。"),
    "string_type": gettext_lazy("须为字符串。"),
    "string_too_long": gettext_lazy("最多 %(max_length)s 个字符。"),
    "string_too_short": gettext_lazy("至少 %(min_length)s 个字符。"),
    "string_pattern_mismatch": gettext_lazy("格式不对。"),
    "int_type": gettext_lazy("须为整数。"),
    "int_parsing": gettext_lazy("须为整数。"),
    "int_from_float": gettext_lazy("须为整数。"),
    "float_type": gettext_lazy("须为数字。"),
    "float_parsing": gettext_lazy("须为数字。"),
    "finite_number": gettext_lazy("须为有限的数字。"),
    "bool_type": gettext_lazy("须为 true 或 false。"),
    "bool_parsing": gettext_lazy("须为 true 或 false。"),
    "greater_than_equal": gettext_lazy("须不小于 %(ge)s。"),
    "less_than_equal": gettext_lazy("须不大于 %(le)s。"),
    "greater_than": gettext_lazy("须大于 %(gt)s。"),
    "less_than": gettext_lazy("须小于 %(lt)s。"),
    "literal_error": gettext_lazy("须为以下值之一：%(expected)s。"),
    "enum": gettext_lazy("须为以下值之一：%(expected)s。"),
    "list_type": gettext_lazy("须为数组。"),
    "tuple_type": gettext_lazy("须为数组。"),
    "too_long": gettext_lazy("最多 %(max_length)s 项。"),
    "too_short": gettext_lazy("至少 %(min_length)s 项。"),
    "dict_type": gettext_lazy("须为 JSON 对象。"),
    "model_type": gettext_lazy("须为 JSON 对象。"),
    "model_attributes_type": gettext_lazy("须为 JSON 对象。"),
    "date_type": gettext_lazy("须为 YYYY-MM-DD 格式的日期。"),
    "date_parsing": gettext_lazy("须为 YYYY-MM-DD 格式的日期。"),
    "date_from_datetime_parsing": gettext_lazy("须为 YYYY-MM-DD 格式的日期。"),
    "date_from_datetime_inexact": gettext_lazy("须为 YYYY-MM-DD 格式的日期。"),
    "union_tag_invalid": gettext_lazy("类型不对。"),
}


def pydantic_message(error: dict) -> str:
    template = PYDANTIC_MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", "")) or _("输入有误。")
    context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return str(template) % context
    except (KeyError, TypeError, ValueError):
        return str(template)


# Where ninja puts the request part; the first name after it is the parameter (for a body, the schema's
# argument name, after which comes the field the client actually sent).
PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def field_of(loc: tuple) -> str:
    parts = list(loc)
    if parts and parts[0] in PARAM_SOURCES:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)
    for part in parts:
        if isinstance(part, str) and part:
            return part
    return NON_FIELD_ERRORS


def validation_error_body(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    else:
        errors = {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
    first = next((m for messages in errors.values() for m in messages), "")
    return {"detail": first or _("输入有误。"), "errors": errors}


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request, body, status, headers=None):
        response = api.create_response(request, body, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request, exc):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(field_of(tuple(error.get("loc", ()))), []).append(pydantic_message(error))
        first_field = next(iter(errors), NON_FIELD_ERRORS)
        message = errors[first_field][0] if errors else _("输入有误。")
        if first_field == NON_FIELD_ERRORS:
            detail = message
        else:
            detail = _("%(field)s：%(message)s") % {"field": first_field, "message": message}
        return respond(request, {"detail": detail, "errors": errors}, 422)

    @api.exception_handler(ValidationError)
    def service_invalid(request, exc):
        return respond(request, validation_error_body(exc), 422)

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        # One body for "never existed" and "outside your areas": the answer must not tell them apart.
        return respond(request, {"detail": _("未找到")}, 404)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, {"detail": _("未找到")}, 404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, {"detail": str(exc) or _("您的角色无权执行此操作。")}, 403)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(
            request,
            {"detail": _("未登录或令牌无效、已过期。")},
            401,
            headers={"WWW-Authenticate": 'Bearer realm="wangge"'},
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        # Ninja raises HttpError(400) when the body is not JSON at all.
        detail = _("请求体不是有效的 JSON。") if exc.status_code == 400 else str(exc)
        return respond(request, {"detail": detail}, exc.status_code)

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        # Oversized bodies, too many query fields: Django refuses them; say so in JSON like everything else.
        return respond(request, {"detail": _("请求过大或格式异常。")}, 400)

    @api.exception_handler(MultiPartParserError)
    def multipart_broken(request, exc):
        # An upload whose multipart body cannot be parsed (no boundary, cut off): the client's request is bad.
        return respond(request, {"detail": _("上传的表单（multipart）格式不对。")}, 400)

    @api.exception_handler(IntegrityError)
    def conflict(request, exc):
        # Validation runs before every save, so this is a race with a concurrent write of the same record.
        return respond(request, {"detail": _("与其他人同时提交的数据冲突，请刷新后重试。")}, 409)


# --- declared responses --------------------------------------------------------------------------------------


def responses(
    ok: dict[int, Any], *, path: bool = False, write: bool = False, forbidden: bool = False
) -> dict:
    """Every status an operation can answer, so the OpenAPI document never under-declares one.

    400: body not JSON or request refused by Django; 401: no or bad token; 403: the role may not;
    404: the id does not exist or lies outside the user's areas; 409: concurrent write; 422: invalid input.
    """
    result: dict[int, Any] = dict(ok)
    result[400] = ErrorOut
    result[401] = ErrorOut
    result[422] = ValidationErrorOut
    if path:
        result[404] = ErrorOut
    if write or forbidden:
        result[403] = ErrorOut
    if write:
        result[409] = ErrorOut
    return result


# --- input types ---------------------------------------------------------------------------------------------


class Input(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul", _("不能包含空字符（NUL）。"))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PydanticCustomError("encoding", _("包含无法存储的字符。")) from exc
    return value


def Text(max_length: int, *, min_length: int = 0, description: str | None = None):
    """A string field with a length limit that refuses what no database column can hold."""
    return Annotated[
        str,
        Field(strict=True, min_length=min_length, max_length=max_length, description=description),
        AfterValidator(_clean_text),
    ]


Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
PathId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _date_from_text(value):
    # Pydantic alone would also take unix timestamps and datetimes; a date field means a calendar day.
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError("date_format", _("须为 YYYY-MM-DD 格式的日期。"))
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError("date_value", _("日期不存在。")) from exc


Day = Annotated[datetime.date, BeforeValidator(_date_from_text)]


def _exact_type(kind: type):
    # Literal[1, 2] also takes True and 1.0 (they compare equal); a JSON boolean is not an address level.
    def check(value):
        if type(value) is not kind:
            raise PydanticCustomError("choice_type", _("类型不对。"))
        return value

    return BeforeValidator(check)


def choice(choices, *, blank: bool = False, description: str = ""):
    """A field limited to the values of a Choices class (or a list of (value, label) pairs), each value's label
    written into the schema so a client needs no other documentation."""
    pairs = list(choices.choices) if hasattr(choices, "choices") else list(choices)
    values = [value for value, _label in pairs]
    labels = {value: str(label) for value, label in pairs}
    if blank:
        values.append("")
        labels[""] = "未填"
    legend = "；".join(
        f"{value}={labels[value]}" if value != "" else f"空={labels[value]}" for value in values
    )
    return Annotated[
        Literal[tuple(values)],
        _exact_type(type(values[0])),
        Field(description=f"{description}（{legend}）" if description else legend),
    ]


def _drop_default(schema: dict) -> None:
    schema.pop("default", None)


def optional(**kwargs):
    """A field a PATCH may leave out; leaving it out keeps the stored value (null is not "leave out")."""
    return Field(default=None, json_schema_extra=_drop_default, **kwargs)


def sent(payload: BaseModel) -> dict:
    """Only the fields the client actually sent: PATCH semantics."""
    return {name: getattr(payload, name) for name in payload.model_fields_set}


def field_error(field: str, message: str | None = None) -> ValidationError:
    return ValidationError({field: [message or _("所选记录不存在。")]})


def resolve(queryset, pk: int | None, field: str):
    """A foreign key from the request, looked up inside the user's scope.

    Out of scope reads exactly like missing, as on every detail endpoint.
    """
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise field_error(field)
    return obj


# --- shared schemas --------------------------------------------------------------------------------------------


class EndIn(Input):
    reason: Text(1000, min_length=1, description="注销原因") = Field(...)


class EndOnIn(Input):
    reason: Text(1000, min_length=1, description="注销/迁出/离职原因") = Field(...)
    on: Day | None = Field(default=None, description="生效日期，默认今天")


class RevealOut(Schema):
    field: str
    value: str


class Pagination(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，最多 {MAX_PAGE_SIZE}"
    )


def page_of(item: type, name: str | None = None) -> type:
    return create_model(
        name or f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        count=(int, Field(description="符合条件的总条数")),
        page=(int, ...),
        page_size=(int, ...),
        items=(list[item], ...),
    )


def paginate(queryset, pagination: Pagination) -> dict:
    start = (pagination.page - 1) * pagination.page_size
    return {
        "count": queryset.count(),
        "page": pagination.page,
        "page_size": pagination.page_size,
        "items": list(queryset[start : start + pagination.page_size]),
    }


# --- masking -----------------------------------------------------------------------------------------------------


def masked(obj, field: str, kind: str | None = None) -> str:
    """A sensitive value as every list, detail and history shows it; the full value only comes from /reveal."""
    kind = kind or type(obj).sensitive_fields[field]
    return mask(kind, getattr(obj, field, "") or "")


def masked_changes(changes: dict, sensitive: dict[str, str]) -> dict:
    if not isinstance(changes, dict):
        return {}
    result = {}
    for field, values in changes.items():
        kind = sensitive.get(field)
        if kind is None:
            result[field] = values
        elif isinstance(values, list):
            result[field] = [mask(kind, v) if isinstance(v, str) else v for v in values]
        else:
            result[field] = mask(kind, values) if isinstance(values, str) else values
    return result


# --- history -----------------------------------------------------------------------------------------------------


class ChangeOut(Schema):
    id: int
    at: datetime.datetime
    action: str = Field(description="create=新建；change=修改；end=注销；reveal=查看明文；export=导出")
    username: str
    source: str = Field(description="web=网页；api=接口；command=命令；task=后台任务；import=导入；…")
    ip: str | None
    device: str
    reason: str
    changes: dict[str, Any] = Field(
        description="修改：{字段: [旧值, 新值]}；新建：{字段: [null, 值]}；查看明文：{field: 字段名}。"
        "证件号码、电话始终打码。"
    )


ChangePage = page_of(ChangeOut, "ChangePage")


def history_page(instance, pagination: Pagination, sensitive: dict[str, str] | None = None) -> dict:
    """The change records of one record, newest first, with identifiers masked.

    Masked for every role: a history answer is an API answer like any other, and the one way to see a value
    in full is POST …/reveal, which leaves its own record.
    """
    if sensitive is None:
        sensitive = getattr(type(instance), "sensitive_fields", {})
    page = paginate(history(instance), pagination)
    page["items"] = [
        {
            "id": record.pk,
            "at": record.at,
            "action": record.action,
            "username": record.username,
            "source": record.source,
            "ip": record.ip,
            "device": record.device,
            "reason": record.reason,
            "changes": masked_changes(record.changes, sensitive),
        }
        for record in page["items"]
    ]
    return page
