"""The accuracy rate from re-checks recorded through wangge.rechecks' services, per grid and per collector."""

import pytest

from wangge.core.actor import Actor
from wangge.quality import selectors
from wangge.rechecks import services as rechecks
from wangge.rechecks.models import RecheckItem
from wangge.rechecks.tests.factories import all_right, collect, this_month, worker


def test_accuracy_is_right_over_rechecked_per_grid_and_per_collector(world):
    wa1 = worker(world, "wa1", world.grid_a1)
    worker(world, "wa1b", world.grid_a1)
    wa2 = worker(world, "wa2", world.grid_a2)
    collect(world, world.grid_a1, world.a1.building, collector=wa1, flats=6)
    collect(world, world.grid_a2, world.a2.building, collector=wa2, flats=6)
    start, end = this_month()
    admin = Actor(user=world.users.district_admin, source="web")
    round = rechecks.round_create(
        actor=admin, area=world.street_a, period_start=start, period_end=end, percent=50, seed=3
    )
    rechecks.round_draw(actor=admin, round=round)
    items = list(RecheckItem.objects.filter(round=round).order_by("id"))
    wrong = next(i for i in items if i.grid_id == world.grid_a2.pk)
    for item in items:
        findings = all_right(item)
        if item.pk == wrong.pk:
            findings[0] = {"field": findings[0]["field"], "verdict": "wrong"}
        rechecks.recheck_record(actor=Actor(user=item.checker, source="web"), item=item, findings=findings)

    def derived(**filters):
        done = RecheckItem.objects.filter(round=round, state="done", **filters)
        return done.count(), done.filter(is_right=True).count()

    viewer = world.users.district_admin
    for grid in (world.grid_a1, world.grid_a2):
        figures = selectors.area_figures(user=viewer, area=grid)
        assert (figures.rechecked, figures.recheck_right) == derived(grid=grid)
    a2 = selectors.area_figures(user=viewer, area=world.grid_a2)
    assert a2.rechecked > a2.recheck_right and a2.rate("accuracy") == pytest.approx(
        a2.recheck_right / a2.rechecked
    )
    street = selectors.area_figures(user=viewer, area=world.street_a)
    checked, right = derived()
    assert (street.rechecked, street.recheck_right) == (checked, right)
    assert street.rate("accuracy") == pytest.approx(right / checked)
    # A worker's accuracy is that of the records they collected, not of their grid.
    by_user = {w.user_id: w for w in selectors.worker_figures(user=viewer, area=world.street_a)}
    assert (by_user[wa1.pk].rechecked, by_user[wa1.pk].recheck_right) == derived(collector=wa1)
    assert (by_user[wa2.pk].rechecked, by_user[wa2.pk].recheck_right) == derived(collector=wa2)
