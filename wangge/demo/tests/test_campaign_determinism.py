"""Two builds with one seed record the same campaign. A module of its own: it builds and wipes the demo itself,
which must not happen while another module's shared demo (conftest.built_demo) is in the database."""

import pytest

from wangge.collection.models import VerificationMark, Visit
from wangge.demo import builder
from wangge.demo.tests.conftest import TODAY
from wangge.rechecks.models import RecheckRound


@pytest.mark.django_db(transaction=True)
def test_the_campaign_is_deterministic_for_a_seed(settings, tmp_path):
    settings.VAR_DIR = tmp_path

    def fingerprint():
        visits = list(
            Visit.objects.order_by("address__code", "visited_at").values_list(
                "address__code", "outcome", "visited_at", "latitude"
            )
        )
        marks = sorted(
            VerificationMark.objects.values_list(
                "kind", "person__id_number", "house__house_code", "verified_at"
            )
        )
        items = sorted(
            RecheckRound.objects.get(kind="random").items.values_list(
                "kind", "person__id_number", "house__house_code", "is_right"
            )
        )
        return visits, marks, items

    # From an empty database both times: rows other tests committed would join the first build's sample.
    builder.wipe()
    builder.build("tiny", seed=3, today=TODAY)
    first = fingerprint()
    builder.wipe()
    builder.build("tiny", seed=3, today=TODAY)
    assert fingerprint() == first
    builder.wipe()
