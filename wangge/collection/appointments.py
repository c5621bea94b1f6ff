"""Appointments (R-23): the door note left when nobody was home, and the resident's booking from its QR code.

The note's URL carries only a random token (secrets.token_urlsafe(24): 192 bits, stored as is so a note can be
printed again; nothing in the URL names an address or a person). The booking page shows the address down to
the door plate or building and the worker's name and work phone, nothing else.
"""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.collection.choices import Priority, ShiftKind, TaskKind
from wangge.collection.models import Appointment, BookingAttempt, DoorNote, Task
from wangge.collection.services import can_supervise
from wangge.collection.shifts import grid_hours
from wangge.core.actor import Actor
from wangge.core.models import ChangeAction, Source
from wangge.core.services import create_record, record_change, require, require_edit, require_in_scope
from wangge.people.identity import normalise_phone

BOOKING_DAYS = 14
SLOT_MINUTES = 60
# Per note (its token) and per client address: enough for a family to correct a booking, too few to flood a
# worker. (limit, window in seconds)
RATE_LIMITS = {"token": (5, 24 * 3600), "ip": (20, 3600)}


@transaction.atomic
def door_note_for(*, actor: Actor, address: StandardAddress, worker=None) -> DoorNote:
    """The note for an address and worker (the acting worker unless a supervisor names one); made once."""
    require_edit(actor)
    require_in_scope(actor, address.grid, "address")
    worker = worker or actor.user
    if worker != actor.user and not can_supervise(actor.user):
        raise ValidationError({"worker": [_("只能为自己打印留言条。")]})
    note = DoorNote.objects.filter(address=address, worker=worker).first()
    if note is None:
        note = create_record(
            DoorNote,
            actor=actor,
            address=address,
            grid=address.grid,
            worker=worker,
            token=secrets.token_urlsafe(24),
        )
    return note


def public_address_text(address: StandardAddress) -> str:
    """Down to the door plate or building: a room number would tell a passer-by which flat is empty."""
    node = address
    while node.level > AddressLevel.BUILDING and node.parent_id:
        node = node.parent
    return node.full_text


def offered_slots(
    note: DoorNote, now: datetime.datetime | None = None
) -> list[tuple[datetime.datetime, str]]:
    """Hour slots inside the grid's day and night shifts over the next 14 days, from the next full hour."""
    now = timezone.localtime(now or timezone.now())
    hours = grid_hours([note.grid_id])[note.grid_id]
    tz = timezone.get_current_timezone()
    slots = []
    for offset in range(BOOKING_DAYS + 1):
        day = now.date() + datetime.timedelta(days=offset)
        for kind in (ShiftKind.DAY, ShiftKind.NIGHT):
            starts, ends = hours[kind]
            moment = timezone.make_aware(datetime.datetime.combine(day, starts), tz)
            end = timezone.make_aware(datetime.datetime.combine(day, ends), tz)
            if end <= moment:
                end += datetime.timedelta(days=1)
            while moment + datetime.timedelta(minutes=SLOT_MINUTES) <= end:
                if moment > now and moment.date() <= now.date() + datetime.timedelta(days=BOOKING_DAYS):
                    slots.append((moment, kind))
                moment += datetime.timedelta(minutes=SLOT_MINUTES)
    return sorted(slots)


@transaction.atomic
def over_limit(note: DoorNote, ip: str | None) -> bool:
    """Count one attempt against the note and the client address; True when either is used up.

    Counted in the database, so every server process sees the same count; the note's row is locked while
    counting, so two tries at once cannot both take the last one.
    """
    DoorNote.objects.select_for_update().filter(pk=note.pk).exists()
    now = timezone.now()
    limit, window = RATE_LIMITS["token"]
    tries = BookingAttempt.objects.filter(door_note=note, at__gt=now - datetime.timedelta(seconds=window))
    exceeded = tries.count() >= limit
    if ip:
        limit, window = RATE_LIMITS["ip"]
        recent = BookingAttempt.objects.filter(ip=ip, at__gt=now - datetime.timedelta(seconds=window))
        exceeded = exceeded or recent.count() >= limit
    BookingAttempt.objects.create(door_note=note, ip=ip or None, at=now)
    return exceeded


@transaction.atomic
def appointment_book(
    *, note: DoorNote, starts_at: datetime.datetime, phone: str, message: str = "", ip: str | None = None
) -> Appointment:
    """The resident picks a slot; a visit task appears in the worker's list for that day and shift."""
    slots = dict(offered_slots(note))
    if starts_at not in slots:
        raise ValidationError({"starts_at": [_("请选择列出的时间段。")]})
    phone = (phone or "").strip()
    if not phone:
        raise ValidationError({"phone": [_("请填写联系电话。")]})
    phone = normalise_phone(phone)
    message = " ".join((message or "").split())[:200]
    if "\x00" in message:
        raise ValidationError({"message": [_("不能包含空字符（NUL）。")]})
    actor = Actor.system(source=Source.DECLARED)
    appointment = create_record(
        Appointment,
        actor=actor,
        door_note=note,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=SLOT_MINUTES),
        phone=phone,
        note=message,
        ip=ip,
    )
    create_record(
        Task,
        actor=actor,
        kind=TaskKind.REVISIT,
        grid=note.grid,
        address=note.address,
        assignee=note.worker,
        due_on=timezone.localtime(starts_at).date(),
        priority=Priority.URGENT,
        shift=slots[starts_at],
        note=_("居民预约 %(t)s") % {"t": timezone.localtime(starts_at).strftime("%m-%d %H:%M")},
        appointment=appointment,
    )
    return appointment


@transaction.atomic
def appointment_phone_reveal(*, actor: Actor, task: Task) -> str:
    """The booked resident's phone in full, for the worker who is to call them (or a role that may reveal).

    Shown masked everywhere else; every look is recorded as a reveal of the appointment's phone.
    """
    from wangge.accounts.roles import can_reveal
    from wangge.collection.services import is_mine

    appointment = task.appointment
    if appointment is None:
        raise Appointment.DoesNotExist
    require(actor, is_mine(task, actor.user) or can_reveal(actor.user))
    record_change(actor=actor, instance=appointment, action=ChangeAction.REVEAL, changes={"field": "phone"})
    return appointment.phone
