"""Building, detecting and wiping the demo district; the demo accounts file."""

import datetime
import json
import os
import resource
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from wangge.accounts.models import Assignment, Team, TeamMember, User
from wangge.addresses.models import StandardAddress
from wangge.areas.models import Area, PoliceGrid, PoliceOffice, PoliceStation
from wangge.collection.demo import seed_field_work
from wangge.core.models import ChangeAction, ChangeRecord, Source
from wangge.demo.campaign import CAMPAIGN_DAYS, local, run_campaign
from wangge.demo.generator import DemoAccount, DemoGenerator
from wangge.demo.models import DemoBuild
from wangge.demo.scales import SCALES
from wangge.demo.writer import DEMO_USERNAME, Writer
from wangge.housing.models import House
from wangge.people.models import Person, Residence
from wangge.units.models import Employment, Unit

# Everything the generator numbers itself, in the order foreign keys allow.
MODELS = [
    Area,
    PoliceStation,
    PoliceOffice,
    PoliceGrid,
    StandardAddress,
    Person,
    House,
    Residence,
    Unit,
    Employment,
    User,
    Assignment,
    Team,
    TeamMember,
]
REGISTER = [Area, StandardAddress, House, Person, Residence, Unit, Employment, User]
# What the nightly jobs compute from the records (rollups, anomaly items, reports): a demo left running with
# `wangge worker` makes these every night, and they are no one's entered data.
DERIVED_APPS = ("quality", "anomalies", "reports")


class NonDemoData(Exception):
    """The database holds records someone entered; the demo never writes over or wipes them."""


@dataclass
class BuildResult:
    scale: str
    seed: int
    password: str
    accounts: list[DemoAccount]
    counts: dict[str, int]
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    # Sampled while each batch is in memory: the generator's own peak, without the one-off reading of the
    # national division table (areas.divisions reads it whole, ~260 MB for a moment) that ru_maxrss includes.
    batch_rss_mb: float = 0.0
    campaign: dict[str, int] = field(default_factory=dict)


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident set size now (Linux); 0 where /proc is missing."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def current_demo() -> DemoBuild | None:
    return DemoBuild.objects.filter(finished_at__isnull=False).first()


def non_demo_records() -> dict[str, int]:
    """What someone other than the demo generator created here (empty: safe to build over or wipe)."""
    if not DemoBuild.objects.exists():
        found = {m._meta.verbose_name: m.objects.count() for m in REGISTER}
        return {str(k): v for k, v in found.items() if v}
    created = (
        ChangeRecord.objects.filter(action=ChangeAction.CREATE)
        .exclude(source=Source.DEMO)
        .exclude(content_type__app_label__in=DERIVED_APPS)
        .values_list("content_type", flat=True)
    )
    counts = Counter(created)
    return {str(ContentType.objects.get_for_id(ct)): n for ct, n in counts.items()}


def wipe() -> None:
    """Empty every table (the demo is all there is: non_demo_records() was checked first)."""
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()


def new_password() -> str:
    # Random per build: a demo left running on a network must not open with a password from the docs.
    return "wg-" + secrets.token_urlsafe(9)


def build(
    scale_name: str = "small",
    *,
    seed: int = 0,
    method: str = "sql",
    progress: Callable[[str], None] = lambda message: None,
    today: datetime.date | None = None,
) -> BuildResult:
    """Generate and write the demo district, then run the campaign up to `today` (default: today); returns
    the accounts and the figures of the build."""
    scale = SCALES[scale_name]
    started = time.perf_counter()
    cpu_started = time.process_time()
    today = today or timezone.localdate()
    writer = Writer(method=method)
    # The register was loaded a month before the campaign began: the rates' history counts a record from its
    # created_at, so back-filled campaign days must find the register already there.
    writer.now = local(today - datetime.timedelta(days=CAMPAIGN_DAYS + 30), 9)
    marker = DemoBuild.objects.create(scale=scale_name, seed=seed)
    phases: Counter = Counter()
    t0 = time.perf_counter()
    generator = DemoGenerator(scale, seed=seed, start_ids=writer.start_ids(MODELS))
    phases["generate"] += time.perf_counter() - t0

    batch_rss = 0.0

    def step(batch) -> None:
        nonlocal batch_rss
        batch_rss = max(batch_rss, current_rss_mb())
        t0 = time.perf_counter()
        with transaction.atomic():
            for model, rows in batch.rows.items():
                writer.write(model, rows)
            if batch.through:
                writer.write_through(PoliceGrid.grids.through, batch.through)
        phases["write"] += time.perf_counter() - t0
        batch_rss = max(batch_rss, current_rss_mb())

    t0 = time.perf_counter()
    areas = generator.area_batch()
    phases["generate"] += time.perf_counter() - t0
    step(areas)
    progress(f"区域 {len(areas.rows[Area])} 个，警格 {len(areas.rows[PoliceGrid])} 个")
    people = 0
    for index, plan in enumerate(generator.communities, start=1):
        t0 = time.perf_counter()
        batch = generator.community_batch(plan)
        phases["generate"] += time.perf_counter() - t0
        step(batch)
        people += len(batch.rows.get(Person, ()))
        progress(
            f"[{time.perf_counter() - started:6.1f}s] {index}/{len(generator.communities)} "
            f"{batch.label}：地址 {len(batch.rows.get(StandardAddress, ())):,}，"
            f"房屋 {len(batch.rows.get(House, ())):,}，人口 {len(batch.rows.get(Person, ())):,}，"
            f"单位 {len(batch.rows.get(Unit, ())):,}（累计人口 {people:,}）"
        )
        # Drop this community's rows before generating the next: only one is ever held in memory.
        del batch
    password = new_password()
    t0 = time.perf_counter()
    staff, accounts = generator.staff_batch(make_password(password))
    phases["generate"] += time.perf_counter() - t0
    step(staff)
    progress(f"工作人员账号 {len(staff.rows[User])} 个，网格工作小组 {len(staff.rows[Team])} 个")
    phases["finish"] = writer.finish()
    t0 = time.perf_counter()
    field_work = seed_field_work()
    phases["field_work"] = time.perf_counter() - t0
    progress(f"班次 {field_work['shifts']} 个，采集任务 {field_work['tasks']} 个")
    # CPU seconds as well as wall seconds: on SQLite the database works in this process, so on a shared machine
    # CPU time is what the build would take on a quiet one.
    phases["cpu_register"] = time.process_time() - cpu_started
    campaign = run_campaign(seed=seed, scale=scale, today=today, progress=progress, phases=phases)
    phases["cpu_total"] = time.process_time() - cpu_started
    seconds = time.perf_counter() - started
    counts = dict(writer.rows)
    marker.finished_at = timezone.now()
    marker.seconds = round(seconds, 1)
    marker.counts = counts
    marker.save()
    return BuildResult(
        scale=scale_name,
        seed=seed,
        password=password,
        accounts=accounts,
        counts=counts,
        seconds=seconds,
        phases=dict(phases),
        peak_rss_mb=peak_rss_mb(),
        batch_rss_mb=batch_rss,
        campaign=campaign,
    )


# -- the accounts file ----------------------------------------------------------------------------------


def accounts_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-accounts.json"


def write_accounts(accounts: list[DemoAccount], password: str) -> Path:
    """var/demo-accounts.json: [{"username", "password", "role", "area_code"}], readable by its owner only."""
    path = accounts_path()
    data = [
        {"username": a.username, "password": password, "role": a.role, "area_code": a.area_code}
        for a in accounts
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    return path


def showcase_accounts() -> list[DemoAccount]:
    """The demo accounts of an existing build, read back from the database (one or more per role)."""
    from wangge.accounts.roles import Role

    order = [r.value for r in Role]
    named = {r.value for r in Role} | {"grid_worker_2"}
    accounts = []
    for user in User.objects.filter(username__in=named).prefetch_related(
        "assignments__area", "assignments__police_grid"
    ):
        assignment = next(iter(user.current_assignments), None)
        target = (assignment.area or assignment.police_grid) if assignment else None
        accounts.append(
            DemoAccount(
                user.username,
                user.role,
                target.code if target else "",
                target.name if target else "",
                user.name,
            )
        )
    accounts.sort(key=lambda a: (order.index(a.role), a.username))
    return accounts


def known_password(accounts: list[DemoAccount]) -> str | None:
    """The password in the accounts file, if it still opens the demo accounts."""
    try:
        data = json.loads(accounts_path().read_text(encoding="utf-8"))
        password = data[0]["password"]
    except (OSError, ValueError, LookupError, TypeError):
        return None
    user = User.objects.filter(username=accounts[0].username).first() if accounts else None
    return password if user and check_password(password, user.password) else None


@transaction.atomic
def reset_passwords() -> str:
    """A fresh password for every demo account (the old one is lost with its file); audited."""
    password = new_password()
    users = list(User.objects.values_list("pk", "username"))
    User.objects.update(password=make_password(password))
    content_type = ContentType.objects.get_for_model(User)
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                content_type=content_type,
                object_id=pk,
                object_repr=username,
                action=ChangeAction.CHANGE,
                changes={"password": "reset"},
                reason="演示账号密码重置",
                username=DEMO_USERNAME,
                source=Source.DEMO,
            )
            for pk, username in users
        ],
        batch_size=1000,
    )
    return password
