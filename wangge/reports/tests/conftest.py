"""A campaign in progress on the `world`: work done yesterday and today through the collection services, so
that the report has rates, rankings and changes since yesterday that come from recorded visits and marks."""

import datetime
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from wangge.accounts.models import TeamMember
from wangge.accounts.services import team_add_member
from wangge.addresses.models import AddressLevel, StandardAddress
from wangge.addresses.services import address_create
from wangge.areas.models import Area
from wangge.collection.models import Visit
from wangge.collection.services import house_verify, person_verify, visit_record
from wangge.core.actor import Actor
from wangge.housing.models import House
from wangge.people.models import Person, Residence
from wangge.quality.services import campaign_create
from wangge.units.models import Employment, Unit

SYSTEM = Actor.system()


@pytest.fixture(autouse=True)
def report_dir(settings, tmp_path):
    """Each test's workbooks in its own directory; background jobs run at once (django-tasks' immediate
    backend), so the path a worker takes is the one tested."""
    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return tmp_path / "reports"


def local_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


@pytest.fixture
def campaign(world):
    """The world's register recorded ten days ago, a district campaign from five days ago, four rooms in grid
    a1, the grid workers on their teams, and:

    yesterday: grid_worker visited one room of a1;
    today:     grid_worker visited a second room of a1 and verified 张三 there; grid_worker_b visited the
               room of b1 and verified its house.
    """
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    long_ago = timezone.now() - datetime.timedelta(days=10)
    a1 = world.a1
    rooms = [a1.room]
    for name in ("302室", "303室", "304室"):
        rooms.append(address_create(actor=SYSTEM, level=AddressLevel.ROOM, name=name, parent=a1.building))
    for grid, user in ((world.grid_a1, world.users.grid_worker), (world.grid_b1, world.users.grid_worker_b)):
        team_add_member(
            actor=SYSTEM,
            grid=grid,
            kind="grid_worker",
            user=user,
            name=user.username,
            joined_on=today - datetime.timedelta(days=10),
        )
    # The register existed before the campaign: rates of past days count what was recorded by then.
    for model in (Area, StandardAddress, House, Person, Residence, Unit, Employment, TeamMember):
        model.objects.update(created_at=long_ago)
    campaign_create(
        actor=SYSTEM, area=world.district, name="基础信息采集", starts_on=today - datetime.timedelta(days=5)
    )

    worker = Actor.system(source="field", user=world.users.grid_worker)
    worker_b = Actor.system(source="field", user=world.users.grid_worker_b)
    earlier = visit_record(actor=worker, address=rooms[0], outcome="met", visited_at=local_noon(yesterday))
    # Synced the same day it was made (the rollup counts a visit from when it reached the server).
    Visit.objects.filter(pk=earlier.pk).update(created_at=local_noon(yesterday))
    visit = visit_record(actor=worker, address=rooms[1], outcome="met")
    person_verify(actor=worker, person=a1.person, visit=visit)
    visit_b = visit_record(actor=worker_b, address=world.b1.room, outcome="met")
    house_verify(actor=worker_b, house=world.b1.house, visit=visit_b)
    return SimpleNamespace(today=today, yesterday=yesterday, rooms=rooms)


# --- reading workbooks back ----------------------------------------------------------------------------------


def sheets_of(path: Path) -> dict[str, list[list]]:
    """Every sheet as rows of cell values, in sheet order."""
    workbook = load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def data_rows(rows: list[list]) -> list[list]:
    """The ranked rows of a level sheet (below the title, the subtitle and the two header rows)."""
    return [row for row in rows[4:] if row[0] is not None]


def soffice() -> str:
    """LibreOffice's command line. Missing is a failure, not a skip: the workbook must be proved to open."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.fail(
            "LibreOffice (soffice) is not installed: the daily report must be proved to open in it. "
            "Install it with `apt-get install -y libreoffice-calc-nogui` (.ci/run does)."
        )
    return path


def to_csv(path: Path, out_dir: Path, home: Path) -> dict[str, str]:
    """Every sheet of the workbook converted by LibreOffice to CSV as the cells show (formatted), by sheet name."""
    # Filter options: comma, quote, UTF-8, from line 1, …, "save cell contents as shown", every sheet (-1).
    options = "44,34,76,1,,0,false,true,true,false,false,-1"
    result = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{home}",
            "--headless",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{options}",
            "--outdir",
            str(out_dir),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    stem = path.stem
    converted = {p.name[len(stem) + 1 : -4]: p.read_text("utf-8") for p in out_dir.glob(f"{stem}-*.csv")}
    assert converted, f"LibreOffice wrote no CSV: {result.stdout} {result.stderr}"
    return converted
