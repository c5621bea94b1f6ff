"""网格通 in a real headless Chromium: a grid worker's round with the network off, a reload and a cold start
while offline, then everything synced exactly once; logging out and a disabled account wipe the phone."""

import datetime
import os
import re
from types import SimpleNamespace

import pytest

from tests.browser.test_web import CHROMIUM, CHROMIUM_ARGS, playwright_sync, pytestmark  # noqa: F401
from wangge.accounts.services import assignment_add, assignment_end, user_deactivate
from wangge.addresses.models import AddressLevel
from wangge.addresses.services import address_create
from wangge.collection.models import SyncChange, VerificationMark, Visit
from wangge.collection.services import task_cancel, task_create
from wangge.core.actor import Actor
from wangge.core.models import ChangeRecord
from wangge.people.identity import make_resident_id
from wangge.people.models import Person, Residence
from wangge.rechecks.fields import FIELDS
from wangge.rechecks.models import RecheckFinding, RecheckItem
from wangge.rechecks.services import item_assign, round_create, round_draw

VIEWPORT = {"width": 360, "height": 740}
SCREENSHOT_DIR = os.environ.get("WANGGE_SCREENSHOT_DIR", "")
NEW_PHONE = "13912345678"

# How much personal data the app holds on the phone; None when its database does not exist at all.
STORED_ON_PHONE = """async () => {
  const names = (await indexedDB.databases()).map((d) => d.name);
  if (!names.includes("wangge-field")) return null;
  const db = await new Promise((ok, fail) => {
    const request = indexedDB.open("wangge-field");
    request.onsuccess = () => ok(request.result);
    request.onerror = () => fail(request.error);
  });
  const counts = {};
  for (const store of db.objectStoreNames) {
    counts[store] = await new Promise((ok) => {
      const request = db.transaction(store).objectStore(store).count();
      request.onsuccess = () => ok(request.result);
    });
  }
  db.close();
  return counts;
}"""


@pytest.fixture
def playwright():
    with playwright_sync.sync_playwright() as running:
        yield running


@pytest.fixture
def field(transactional_db, live_server, world):
    """World's grid A1 with a floor of two more flats and a visit task for the grid worker."""
    system = Actor.system()
    floor = address_create(actor=system, level=AddressLevel.FLOOR, name="4层", parent=world.a1.building)
    flats = [
        address_create(actor=system, level=AddressLevel.ROOM, name=name, parent=floor)
        for name in ("401室", "402室")
    ]
    task = task_create(
        actor=Actor.system(user=world.users.grid_chief),
        kind="visit_address",
        address=world.a1.room,
        assignee=world.users.grid_worker,
        due_on=datetime.date.today(),
    )
    return SimpleNamespace(url=live_server.url + "/field/", flats=flats, task=task, world=world)


def launch(playwright, profile, offline=False):
    """A browser with a profile on disk, so closing it and launching again is a real cold start."""
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        locale="zh-CN",
        viewport=VIEWPORT,
        offline=offline,
        service_workers="allow",
    )
    context.set_default_timeout(15_000)
    page = context.pages[0] if context.pages else context.new_page()
    return context, page


def log_in(page, field, username="grid_worker"):
    page.goto(field.url)
    page.wait_for_selector("#login-form")
    page.fill("#f-username", username)
    page.fill("#f-password", field.world.password)
    page.click("#login")
    page.wait_for_selector("#task-list")
    # The service worker is installed and active: from now on every navigation, online or not, goes through it.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        # clients.claim() can miss a page that navigated while the worker was activating (seen in Chromium
        # under load); a reload is then served by the worker like any later visit.
        page.reload()
        page.wait_for_selector("#task-list")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    wait_synced(page)


def wait_synced(page):
    page.wait_for_function("window.wanggeField && !window.wanggeField.status.running")
    page.wait_for_function("document.querySelector('#pending-count')?.textContent === '0'")


def pending(page) -> int:
    return int(page.locator("#pending-count").inner_text())


def outbox_states(page) -> list[str]:
    page.wait_for_selector("#outbox-list [data-state]")
    return page.locator("#outbox-list [data-state]").evaluate_all("els => els.map(e => e.dataset.state)")


def record_visit(page, address_id, outcome):
    page.goto(f"{page.url.split('#')[0]}#/visit/{address_id}")
    page.click(f"[data-outcome={outcome}]")
    page.click("#save-visit")
    page.wait_for_selector("#visit-saved")


def test_a_round_offline_survives_reload_and_cold_start_and_syncs_exactly_once(playwright, field, tmp_path):
    world = field.world
    context, page = launch(playwright, tmp_path / "profile")
    log_in(page, field)
    assert "走访地址" in page.locator("#task-list").inner_text()

    context.set_offline(True)
    page.wait_for_selector("#net.offline")

    # Walk the coverage tree down to the first flat and record the visit from there.
    page.click("#tab-tree")
    for address in (world.a1.road, world.a1.door, world.a1.building):
        page.click(f"#tree-list [data-address='{address.pk}']")
        page.wait_for_selector(f"nav.crumbs >> text={address.name}")
    page.click(f"#tree-list [data-address='{world.a1.room.pk}']")
    page.click("#record-visit")
    page.click("[data-outcome=met]")
    page.click("#save-visit")
    page.wait_for_selector("#visit-saved")
    # Within the visit: correct Zhang San's phone.
    page.click(f"[data-person='person:{world.a1.person.pk}'] [data-action=edit-person]")
    page.fill("#f-phone", NEW_PHONE)
    page.click("#save-person")
    page.wait_for_selector("#visit-saved")
    assert "139****5678" in page.locator(f"[data-person='person:{world.a1.person.pk}']").inner_text()
    record_visit(page, field.flats[0].pk, "nobody_home")
    record_visit(page, field.flats[1].pk, "note_left")
    assert pending(page) == 4

    # The tree already counts the visited flats although nothing was sent.
    page.goto(f"{field.url}#/tree/{world.a1.building.pk}?all=1")
    assert "未访 0 户 / 共 3 户" in page.locator("#tree-summary").inner_text()

    # Reload while offline: the service worker serves the app, the queue is intact.
    response = page.reload()
    assert response.from_service_worker
    page.wait_for_selector("#tree-summary")
    assert pending(page) == 4

    # Cold start: the browser closed and opened again with no network.
    context.close()
    context, page = launch(playwright, tmp_path / "profile", offline=True)
    response = page.goto(field.url + "#/outbox")
    assert response.from_service_worker
    states = outbox_states(page)
    assert states == ["pending"] * 4
    assert Visit.objects.count() == 0

    # Back online: everything goes, once.
    context.set_offline(False)
    wait_synced(page)
    states = outbox_states(page)
    assert states == ["sent"] * 4
    assert page.locator("#last-sync").inner_text() != "从未"
    visits = Visit.objects.filter(address__in=[world.a1.room, *field.flats])
    assert sorted(visits.values_list("address_id", "outcome")) == sorted(
        [(world.a1.room.pk, "met"), (field.flats[0].pk, "nobody_home"), (field.flats[1].pk, "note_left")]
    )
    assert Person.objects.get(pk=world.a1.person.pk).phone == NEW_PHONE
    device = page.evaluate("localStorage.getItem('wangge-field-device')")
    phone_changes = [
        c
        for c in ChangeRecord.objects.filter(object_id=world.a1.person.pk, action="change")
        if "phone" in c.changes
    ]
    assert [(c.source, c.device, c.username) for c in phone_changes] == [("field", device, "grid_worker")]

    # A second sync sends nothing again.
    page.click("#sync-now")
    wait_synced(page)
    assert Visit.objects.filter(address__in=[world.a1.room, *field.flats]).count() == 3

    # Logging out wipes the phone.
    page.click("#tab-me")
    page.click("#logout")
    page.wait_for_selector("#login-form")
    stored = page.evaluate(STORED_ON_PHONE)
    assert stored is None or not any(stored.values()), stored
    context.close()


def test_within_a_visit_people_and_the_house_change_and_the_task_closes(playwright, field, tmp_path):
    world = field.world
    new_id = make_resident_id("350205", datetime.date(1985, 1, 2), 451)
    wrong_id = new_id[:-1] + ("0" if new_id[-1] != "0" else "1")
    context, page = launch(playwright, tmp_path / "profile")
    log_in(page, field)
    context.set_offline(True)

    page.click(f"[data-task='{field.task.pk}']")
    page.click("#task-start")
    page.wait_for_selector("#task-visit")
    page.click("#task-visit")
    page.click("[data-outcome=met]")
    page.click("#save-visit")
    page.wait_for_selector("#visit-saved")

    house = f"[data-house='house:{world.a1.house.pk}']"
    page.click(f"{house} [data-action=verify-house]")
    page.click(f"{house} [data-action=edit-house]")
    page.select_option("#f-rental_status", "owner_occupied")
    page.fill("#f-rooms", "3")
    page.click("#save-house")
    page.wait_for_selector("#visit-saved")

    # A new tenant: the phone refuses a wrong check digit before anything is queued.
    page.click(f"{house} [data-action=add-person]")
    page.fill("#f-name", "赵六")
    page.fill("#f-id_number", wrong_id)
    page.click("#save-new-person")
    assert page.locator("#err-id_number").inner_text() == "身份证号码校验位错误。"
    page.fill("#f-id_number", new_id)
    page.click("#save-new-person")
    page.wait_for_selector("#visit-saved")
    assert "赵六" in page.locator(house).inner_text()

    # Zhang San moved out.
    page.click(f"[data-person='person:{world.a1.person.pk}'] [data-action=end-residence]")
    page.fill("#f-reason", "合同到期搬走")
    page.click("#save-end")
    page.wait_for_selector("#visit-saved")
    assert "张三" not in page.locator(house).inner_text()

    page.goto(f"{field.url}#/task/{field.task.pk}")
    page.click("#task-done")
    page.wait_for_selector("#current-shift")
    assert pending(page) == 8  # start, visit, verify house, house, person, residence, end, done

    context.set_offline(False)
    wait_synced(page)
    page.goto(field.url + "#/outbox")
    states = outbox_states(page)
    assert states == ["sent"] * 8, page.locator("#outbox-list").inner_text()

    world.a1.house.refresh_from_db()
    assert (world.a1.house.rental_status, world.a1.house.rooms) == ("owner_occupied", 3)
    newcomer = Person.objects.get(id_number=new_id)
    assert newcomer.name == "赵六" and newcomer.grid_id == world.grid_a1.pk
    assert Residence.objects.get(person=newcomer).house_id == world.a1.house.pk
    world.a1.residence.refresh_from_db()
    assert world.a1.residence.ended_on is not None and world.a1.residence.end_reason == "合同到期搬走"
    field.task.refresh_from_db()
    assert field.task.state == "done"
    visit = Visit.objects.get(address=world.a1.room)
    assert visit.task_id == field.task.pk and visit.outcome == "met"
    assert VerificationMark.objects.filter(house=world.a1.house, visit=visit).exists()
    assert VerificationMark.objects.filter(person=newcomer, visit=visit).exists()
    # The finished task left the phone's list with the next pull.
    page.click("#tab-tasks")
    assert page.locator("[data-task]").count() == 0
    context.close()


def test_the_phone_follows_task_changes_made_on_the_server(playwright, field, tmp_path):
    world = field.world
    context, page = launch(playwright, tmp_path / "profile")
    log_in(page, field)
    assert page.locator("[data-task]").count() == 1
    chief = Actor.system(user=world.users.grid_chief)
    task_cancel(actor=chief, task=field.task, reason="重复派发")
    urgent = task_create(
        actor=chief,
        kind="revisit",
        address=field.flats[0],
        assignee=world.users.grid_worker,
        due_on=datetime.date.today(),
        priority=1,
    )
    page.click("#tab-outbox")
    page.click("#sync-now")
    wait_synced(page)
    page.click("#tab-tasks")
    page.wait_for_selector(f"[data-task='{urgent.pk}']")
    assert page.locator("[data-task]").count() == 1
    assert (
        "回访" in page.locator("#task-list").inner_text()
        and "紧急" in page.locator("#task-list").inner_text()
    )
    context.close()


def test_moved_to_another_grid_the_phone_drops_the_old_grid_and_keeps_the_queue(playwright, field, tmp_path):
    world = field.world
    context, page = launch(playwright, tmp_path / "profile")
    log_in(page, field)
    context.set_offline(True)
    record_visit(page, world.a1.room.pk, "empty")
    admin = Actor.system(user=world.users.district_admin)
    worker = world.users.grid_worker
    old = worker.assignments.current().get()
    assignment_add(actor=admin, user=worker, area=world.grid_a2)
    assignment_end(actor=admin, assignment=old, reason="调往海沧二格")
    context.set_offline(False)
    wait_synced(page)
    page.goto(field.url + "#/tree")
    page.wait_for_selector(f"#tree-list [data-address='{world.a2.road.pk}']")
    assert world.a1.road.name not in page.locator("#tree-list").inner_text()
    # The visit made in the old grid is refused now (outside the scope), and the worker sees why.
    page.goto(field.url + "#/outbox")
    assert outbox_states(page) == ["rejected"]
    assert "不存在" in page.locator("#outbox-list .error").first.inner_text()
    context.close()


def test_a_disabled_account_is_wiped_from_the_phone(playwright, field, tmp_path):
    context, page = launch(playwright, tmp_path / "profile")
    log_in(page, field)
    assert page.evaluate(STORED_ON_PHONE)["records"] > 0
    user_deactivate(actor=Actor.system(), user=field.world.users.grid_worker, reason="手机丢失")
    page.goto(field.url + "#/outbox")
    page.click("#sync-now")
    page.wait_for_selector("#login-form")
    assert "已被停用" in page.locator("#notice").inner_text()
    stored = page.evaluate(STORED_ON_PHONE)
    assert stored is None or not any(stored.values()), stored
    context.close()


def test_an_expired_token_keeps_the_queue_and_asks_for_the_password(playwright, field, tmp_path):
    from wangge.accounts.models import ApiToken

    context, page = launch(playwright, tmp_path / "profile")
    log_in(page, field)
    context.set_offline(True)
    record_visit(page, field.world.a1.room.pk, "refused")
    ApiToken.objects.all().delete()
    context.set_offline(False)
    page.wait_for_selector("#login-form")
    assert "登录已过期" in page.locator("#notice").inner_text()
    assert page.evaluate(STORED_ON_PHONE)["outbox"] == 1
    # Logging in again sends what waited.
    page.fill("#f-password", field.world.password)
    page.click("#login")
    page.wait_for_selector("#task-list")
    wait_synced(page)
    assert Visit.objects.filter(address=field.world.a1.room, outcome="refused").count() == 1
    context.close()


SCREENS = [
    "#/tasks",
    "#/task/{task}",
    "#/tree",
    "#/tree/{building}",
    "#/address/{room}",
    "#/visit/{room}",
    "#/outbox",
    "#/me",
]


def test_usable_one_handed_on_a_360_px_phone(playwright, field, tmp_path):
    world = field.world
    context, page = launch(playwright, tmp_path / "profile")
    page.goto(field.url)
    page.wait_for_selector("#login-form")
    check_screen(page, "login")
    log_in(page, field)
    ids = {"task": field.task.pk, "building": world.a1.building.pk, "room": world.a1.room.pk}
    for screen in SCREENS:
        route = screen.format(**ids)
        page.goto(field.url + route)
        page.wait_for_selector(f"main.view[data-route='{route}']")
        check_screen(page, screen)
    # Within a visit and its forms.
    record_visit(page, world.a1.room.pk, "met")
    check_screen(page, "in-visit")
    for action in ("edit-person", "add-person", "end-residence", "edit-house"):
        page.click(f"[data-action={action}] >> nth=0")
        page.wait_for_selector("form.stacked")
        check_screen(page, action)
        page.go_back()
        page.wait_for_selector("#visit-saved")
    context.close()


def check_screen(page, name):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, (name, overflow)
    small = page.evaluate(
        """() => [...document.querySelectorAll('.btn, button, .tabs a, .item, input, select, .pending')]
             .filter(e => e.offsetParent !== null)
             .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
             .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert not small, (name, small)
    if SCREENSHOT_DIR:
        page.screenshot(
            path=os.path.join(SCREENSHOT_DIR, re.sub(r"\W+", "_", name).strip("_") + ".png"), full_page=True
        )


def test_english_follows_the_site_language_cookie(playwright, field, tmp_path):
    context, page = launch(playwright, tmp_path / "profile")
    page.goto(field.url)
    page.wait_for_selector("#login-form")
    assert page.locator("#login").inner_text() == "登录"
    page.click("#language")
    page.wait_for_function("document.querySelector('#login')?.textContent === 'Log in'")
    assert re.search(r"django_language=en", page.evaluate("document.cookie"))
    page.reload()
    page.wait_for_selector("#login-form")
    assert page.locator("#login").inner_text() == "Log in"
    assert page.evaluate("document.documentElement.lang") == "en"
    context.close()


# --- re-checks (抽查核实) -------------------------------------------------------------------------------------


@pytest.fixture
def recheck(field):
    """Grid a1's resident Zhang San drawn for a re-check and given to the grid worker of grid b1 (another street)."""
    world = field.world
    today = datetime.date.today()
    system = Actor.system()
    round = round_create(
        actor=system, area=world.community_a, period_start=today, period_end=today, percent=50, seed=7
    )
    round_draw(actor=system, round=round)
    item = RecheckItem.objects.get(round=round, grid=world.grid_a1, kind="person")
    item_assign(actor=system, item=item, checker=world.users.grid_worker_b)
    item.refresh_from_db()
    return item


def test_a_recheck_recorded_offline_survives_a_reload_and_reaches_the_server_once(
    playwright, field, recheck, tmp_path
):
    world = field.world
    context, page = launch(playwright, tmp_path / "profile")
    log_in(page, field, username="grid_worker_b")
    entry = page.locator(f"[data-recheck='{recheck.pk}']")
    assert "抽查核实" in entry.locator("[data-badge=recheck]").inner_text()
    assert "张三" in entry.inner_text() and entry.get_attribute("href") == f"#/recheck/{recheck.pk}"
    # Its task is finished by recording the item, not by "task done".
    page.goto(f"{field.url}#/task/{recheck.task_id}")
    page.wait_for_selector("#task-recheck")
    assert page.locator("#task-done").count() == 0

    context.set_offline(True)
    page.wait_for_selector("#net.offline")
    page.click("#task-recheck")
    page.wait_for_selector("#recheck-form")
    check_screen(page, "recheck")
    # The recorded values as the server sent them: the phone masked.
    assert "138****0001" in page.locator("[data-field=phone] .recorded").inner_text()
    # Where Zhang San lives can be found wrong, not corrected on the spot.
    assert page.locator("[data-field=residence] [data-verdict]").count() == 2

    page.click("#save-recheck")
    assert page.locator("#err-rf-name").inner_text() == "请选择对、错或已更正。"
    page.click("#recheck-all-right")
    page.click("[data-field=name] [data-verdict=wrong]")
    page.fill("#f-rf-name", "张叁")
    page.click("[data-field=phone] [data-verdict=corrected]")
    page.click("#save-recheck")
    assert page.locator("#err-rf-phone").inner_text() == "已更正的项须填写实际情况。"
    page.fill("#f-rf-phone", NEW_PHONE)
    page.fill("#f-note", "本人在家，姓名登记错字")
    page.click("#save-recheck")
    page.wait_for_selector("#current-shift")
    assert page.locator(f"[data-recheck='{recheck.pk}']").count() == 0
    assert pending(page) == 1

    # Reload while offline: the verdicts wait in the outbox, the item shows as recorded.
    response = page.reload()
    assert response.from_service_worker
    page.goto(f"{field.url}#/recheck/{recheck.pk}")
    assert "待同步" in page.locator("#recheck-state").inner_text()
    assert pending(page) == 1
    assert not RecheckFinding.objects.filter(item=recheck).exists()

    context.set_offline(False)
    wait_synced(page)
    page.goto(field.url + "#/outbox")
    assert outbox_states(page) == ["sent"]
    page.click("#sync-now")
    wait_synced(page)

    recheck.refresh_from_db()
    assert (recheck.state, recheck.is_right, recheck.note) == ("done", False, "本人在家，姓名登记错字")
    expected = {f.name: "right" for f in FIELDS["person"]} | {"name": "wrong", "phone": "corrected"}
    assert dict(RecheckFinding.objects.filter(item=recheck).values_list("field", "verdict")) == expected
    assert RecheckFinding.objects.get(item=recheck, field="name").found == "张叁"
    assert SyncChange.objects.filter(op="recheck.record").count() == 1
    assert recheck.task.state == "done"
    assert Person.objects.get(pk=world.a1.person.pk).phone == NEW_PHONE
    device = page.evaluate("localStorage.getItem('wangge-field-device')")
    corrections = [
        (c.username, c.source, c.device)
        for c in ChangeRecord.objects.filter(object_id=world.a1.person.pk, action="change")
        if "phone" in c.changes
    ]
    assert corrections == [("grid_worker_b", "field", device)]
    page.click("#tab-tasks")
    page.wait_for_selector("#current-shift")
    assert page.locator("[data-recheck]").count() == 0
    context.close()


# A phone that last ran the app before the re-check store existed: version 1 of the database, a session and one
# unsent visit in its outbox.
FIELD_DB_VERSION_1 = """async ({session, change}) => {
  const db = await new Promise((ok, fail) => {
    const request = indexedDB.open("wangge-field", 1);
    request.onupgradeneeded = () => {
      const d = request.result;
      d.createObjectStore("records", { keyPath: "key" }).createIndex("type", "type");
      d.createObjectStore("outbox", { keyPath: "uuid" }).createIndex("seq", "seq", { unique: true });
      d.createObjectStore("meta");
    };
    request.onsuccess = () => ok(request.result);
    request.onerror = () => fail(request.error);
  });
  const tx = db.transaction(["outbox", "meta"], "readwrite");
  tx.objectStore("meta").put(session, "session");
  tx.objectStore("outbox").put(change);
  await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
  db.close();
  return (await indexedDB.databases()).find((d) => d.name === "wangge-field").version;
}"""


def test_an_app_update_keeps_the_queue_of_an_older_phone_database(playwright, field, tmp_path):
    from wangge.accounts.models import ApiToken

    world = field.world
    _token, raw = ApiToken.objects.issue(world.users.grid_worker)
    visit_ref = "6f1c6a53-58a4-4d5e-9a0e-6c1f0f6a7b01"
    made_at = datetime.datetime.now().astimezone().replace(microsecond=0).isoformat()
    change = {
        "uuid": "0d9e2a3c-1b7f-4c55-8f0e-3a9b1c2d4e5f",
        "seq": 1,
        "op": "visit.record",
        "target": {"type": "visit", "ref": visit_ref},
        "base_version": None,
        "after": None,
        "made_at": made_at,
        "payload": {
            "address": {"id": world.a1.room.pk},
            "outcome": "met",
            "visited_at": made_at,
            "latitude": None,
            "longitude": None,
            "accuracy_m": None,
            "note": "",
            "task": None,
            "task_result": None,
        },
        "summary": "访查",
        "state": "pending",
        "detail": "",
        "errors": None,
        "conflict_id": None,
        "result_version": None,
    }
    context, page = launch(playwright, tmp_path / "profile")
    # Any page of the site shares the app's IndexedDB; the manifest does not open the app's database.
    page.goto(field.url + "manifest.webmanifest")
    session = {"token": raw, "expires_at": None, "username": "grid_worker"}
    assert page.evaluate(FIELD_DB_VERSION_1, {"session": session, "change": change}) == 1

    page.goto(field.url + "#/outbox")
    wait_synced(page)
    assert outbox_states(page) == ["sent"]
    stored = page.evaluate(STORED_ON_PHONE)
    assert "rechecks" in stored and stored["outbox"] == 1
    assert (
        page.evaluate(
            "indexedDB.databases().then((all) => all.find((d) => d.name === 'wangge-field').version)"
        )
        == 2
    )
    assert Visit.objects.filter(address=world.a1.room, outcome="met").count() == 1
    context.close()
