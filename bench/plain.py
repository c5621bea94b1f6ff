"""The ceiling: plain Django JSON views doing the same reads as the API, without django-ninja.

Same token lookup, same scoped selectors, same count and page of 50, same masking — but rows come from
.values() straight into JsonResponse, with no schema validation, no model instances, no OpenAPI machinery.
Whatever the API spends above these views is the framework's (and its schemas') share.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse

from wangge.accounts.models import ApiToken
from wangge.addresses.models import StandardAddress
from wangge.addresses.selectors import address_list
from wangge.core.masking import mask_id_number, mask_phone
from wangge.housing.models import House
from wangge.housing.selectors import house_list
from wangge.people.models import Person
from wangge.people.selectors import person_list

PAGE_SIZE = 50
RECORD = ["version", "created_at", "updated_at", "ended_on", "end_reason"]
PERSON = [
    "id",
    "id_type",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "hukou_address",
    "hukou_division",
    "category",
    "status",
    "grid_id",
    "grid__name",
    *RECORD,
]
HOUSE = [
    "id",
    "house_code",
    "address_id",
    "address__full_text",
    "grid_id",
    "grid__name",
    "use",
    "owner_id",
    "owner_name",
    "owner_phone",
    "rental_status",
    "rooms",
    "floor_area",
    *RECORD,
]
ADDRESS = [
    "id",
    "level",
    "name",
    "code",
    "full_text",
    "parent_id",
    "grid_id",
    "grid__name",
    "latitude",
    "longitude",
    *RECORD,
]
MASKS = {"id_number": mask_id_number, "phone": mask_phone, "owner_phone": mask_phone}


def _user(request):
    header = request.headers.get("Authorization", "")
    return ApiToken.objects.user_for(header[7:]) if header.startswith("Bearer ") else None


def _json(data, status=200):
    return JsonResponse(
        data, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )


def _masked(row: dict) -> dict:
    for field, masker in MASKS.items():
        if field in row:
            row[field] = masker(row[field])
    return row


def _page(request, queryset, fields):
    user = _user(request)
    if user is None:
        return _json({"detail": "unauthorised"}, 401)
    rows = queryset(user=user, q=request.GET.get("q", ""))
    items = [_masked(row) for row in rows.values(*fields)[:PAGE_SIZE]]
    return _json({"count": rows.count(), "page": 1, "page_size": PAGE_SIZE, "items": items})


def _detail(request, model, pk, fields):
    user = _user(request)
    if user is None:
        return _json({"detail": "unauthorised"}, 401)
    row = model.objects.visible_to(user).filter(pk=pk).values(*fields).first()
    return _json(_masked(row)) if row else _json({"detail": "未找到"}, 404)


def people(request):
    return _page(request, person_list, PERSON)


def houses(request):
    return _page(request, house_list, HOUSE)


def addresses(request):
    return _page(request, address_list, ADDRESS)


def person(request, pk):
    return _detail(request, Person, pk, PERSON)


def house(request, pk):
    return _detail(request, House, pk, HOUSE)


def address(request, pk):
    return _detail(request, StandardAddress, pk, ADDRESS)
