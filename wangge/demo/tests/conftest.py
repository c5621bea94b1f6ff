"""One tiny demo per test module: building it (register and six weeks of campaign) takes a few seconds, and
the tests only read it. Built outside the per-test transaction and wiped when the module is done."""

import datetime

import pytest
from django.test import override_settings

from wangge.demo import builder

# A fixed "today", so that the campaign's days are the same on every run of the tests.
TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(scope="module")
def built_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("demo")
    # The tests' own (fast) hasher: the per-test settings fixture is not in force at module scope.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers, VAR_DIR=var_dir):
        result = builder.build("tiny", seed=0, today=TODAY)
        yield result, var_dir
        builder.wipe()


@pytest.fixture
def demo(built_demo, db, settings):
    result, var_dir = built_demo
    settings.VAR_DIR = var_dir
    builder.write_accounts(result.accounts, result.password)
    return result
