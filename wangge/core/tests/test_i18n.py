"""Chinese is the source language; every string the user can meet must also have an English translation."""

from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation

REPO = Path(__file__).resolve().parents[3]
CATALOGUE = REPO / "wangge" / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def extracted(tmp_path, settings, monkeypatch):
    """Run makemessages over the package into a scratch catalogue, leaving the real one untouched."""
    settings.LOCALE_PATHS = [str(tmp_path)]
    monkeypatch.chdir(REPO)
    call_command(
        "makemessages",
        locale=["en"],
        ignore_patterns=[
            ".venv/*",
            "node_modules/*",
            "var/*",
            "*/tests/*",
            "tests/*",
            "bench/*",
            "build/*",
            # a folder named locale would become the output
            "wangge/locale",
        ],
        no_location=True,
        verbosity=0,
    )
    return polib.pofile(str(tmp_path / "en" / "LC_MESSAGES" / "django.po"))


def test_every_message_has_an_english_translation(extracted):
    catalogue = {entry.msgid: entry for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete}
    missing = [
        entry.msgid
        for entry in extracted
        if entry.msgid not in catalogue
        or not catalogue[entry.msgid].translated()
        or "fuzzy" in catalogue[entry.msgid].flags
    ]
    assert not missing, (
        f"{len(missing)} strings without English (run `make messages`, translate): {missing[:20]}"
    )


def test_english_is_served_when_asked():
    from wangge.accounts.roles import Role

    with translation.override("en"):
        assert str(Role.GRID_WORKER.label) == "Grid worker"
    with translation.override("zh-hans"):
        assert str(Role.GRID_WORKER.label) == "网格员"


def test_chinese_unless_english_was_chosen(client, settings):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "zh-hans" and "登录" in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page["Content-Language"] == "en" and "登录" not in page.content.decode()
