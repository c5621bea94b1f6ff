"""The JSON API root: /api/v1/ (OpenAPI at /api/v1/openapi.json, Swagger UI at /api/v1/docs).

Every operation needs `Authorization: Bearer <token>` (from POST /api/v1/auth/token) unless it says otherwise.
"""

from django.http import Http404
from ninja import Router, Swagger

from wangge.accounts.api import area_team_router, auth_router, team_members_router, users_router
from wangge.addresses.api import merge_router as address_merges_router
from wangge.addresses.api import router as addresses_router
from wangge.anomalies.api import router as anomalies_router
from wangge.areas.api import police_office_router, police_router, police_station_router
from wangge.areas.api import router as areas_router
from wangge.collection.api import collection_router, sync_router, tasks_router
from wangge.collection.api import install_error_handlers as install_sync_error_handlers
from wangge.core.api import BearerAuth, ErrorOut, Renderer, WanggeAPI, install_error_handlers
from wangge.housing.api import merge_router as house_merges_router
from wangge.housing.api import router as houses_router
from wangge.people.api import people_router, residences_router
from wangge.quality.api import router as quality_router
from wangge.rechecks.api import router as rechecks_router
from wangge.reports.api import router as reports_router
from wangge.transfer.api import router as imports_router
from wangge.units.api import employments_router, units_router

DESCRIPTION = """网格化社会治理“一标三实”登记接口：标准地址、实有房屋、实有人口、实有单位。

* 认证：`POST /api/v1/auth/token` 换取令牌，之后每个请求带 `Authorization: Bearer <令牌>`。
* 范围：只返回您任职区域（民警：所辖警格）内的记录；范围外的 id 与不存在的 id 一样返回 404。
* 证件号码、电话一律打码；有权限的角色可 `POST …/{id}/reveal` 查看明文，每次查看都会留痕。
* 分页：`?page=1&page_size=50`（最多 200），返回 `{count, page, page_size, items}`。
* 错误：JSON，`{"detail": …}`；输入错误为 422，`{"detail": …, "errors": {字段: [信息, …]}}`。
* 并发：修改时带上读到的 `version`；已被他人修改则返回 422，错误字段为 `version`。
"""

api = WanggeAPI(
    title="Wangge 网格 API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=BearerAuth(),
    renderer=Renderer(),
    # The validator badge would call validator.swagger.io: government intranets have no internet.
    docs=Swagger(settings={"validatorUrl": None}),
)
install_error_handlers(api)
install_sync_error_handlers(api)

api.add_router("/auth", auth_router)
api.add_router("/areas", areas_router)
api.add_router("/areas", area_team_router)
api.add_router("/police-stations", police_station_router)
api.add_router("/police-offices", police_office_router)
api.add_router("/police-grids", police_router)
api.add_router("/team-members", team_members_router)
api.add_router("/addresses", addresses_router)
api.add_router("/houses", houses_router)
api.add_router("/address-merges", address_merges_router)
api.add_router("/house-merges", house_merges_router)
api.add_router("/people", people_router)
api.add_router("/residences", residences_router)
api.add_router("/units", units_router)
api.add_router("/employments", employments_router)
api.add_router("/users", users_router)
api.add_router("/sync", sync_router)
api.add_router("/tasks", tasks_router)
api.add_router("/collection", collection_router)
api.add_router("/imports", imports_router)
api.add_router("/quality", quality_router)
api.add_router("/rechecks", rechecks_router)
api.add_router("/anomalies", anomalies_router)
api.add_router("/reports", reports_router)

# Anything under /api/v1/ that names no operation answers JSON 404 like a missing record, not Django's HTML
# page; mounted last so it only catches what nothing else matched.
fallback_router = Router()


@fallback_router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    "/{path:rest}",
    auth=None,
    response={404: ErrorOut},
    include_in_schema=False,
)
def not_found(request, rest: str):
    raise Http404


api.add_router("", fallback_router)
