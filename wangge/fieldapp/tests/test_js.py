"""The app's pure JavaScript (ID check, outbox rules, coverage counting, task order, dictionary) under
node's built-in test runner, so `make test` runs it with no JavaScript test framework installed."""

import datetime
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from wangge.people.identity import check_resident_id, make_resident_id

JS_TESTS = Path(__file__).resolve().parent / "js"


def server_verdicts(count: int = 400) -> list[tuple[str, bool]]:
    """ID numbers, right and wrong, each with what the server's own check says of it."""
    rng = random.Random(11643)
    cases = []
    for _ in range(count):
        birth = datetime.date(1900, 1, 1) + datetime.timedelta(days=rng.randrange(45000))
        number = make_resident_id(
            rng.choice(["350205", "110105", "440304", "500101"]), birth, rng.randrange(1000)
        )
        if rng.random() < 0.5:
            position = rng.randrange(18)
            replacement = rng.choice("0123456789X" if position == 17 else "0123456789")
            number = number[:position] + replacement + number[position + 1 :]
        try:
            check_resident_id(number)
            ok = True
        except ValidationError:
            ok = False
        cases.append((number, ok))
    # Numbers whose check digit is right but whose birth date is impossible or in the future.
    for body in ("35020519900230123", "35020520991231123", "35020518700101123"):
        cases.append((body + ric.calc_check_digit(body + "0"), False))
    return cases


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_units_pass_under_node():
    env = {**os.environ, "WANGGE_ID_CASES": json.dumps(server_verdicts())}
    result = subprocess.run(
        ["node", "--test", "--test-reporter=spec", str(JS_TESTS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped 0" in result.stdout, result.stdout
