"""The pages that make the field app installable: shell, manifest, service worker."""

import json
import posixpath
import re

from django.contrib.staticfiles import finders
from django.urls import reverse

from wangge.fieldapp import views
from wangge.fieldapp.views import precache_static_paths


def test_the_shell_opens_without_a_login_and_holds_no_personal_data(client, world):
    client.force_login(world.users.grid_worker)
    response = client.get(reverse("fieldapp:shell"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert '<link rel="manifest" href="/field/manifest.webmanifest">' in html
    assert '<script type="module" src="/static/fieldapp/js/main.js">' in html
    # Even for a logged-in session the page is the same for everyone: the service worker caches it.
    assert client.__class__().get(reverse("fieldapp:shell")).content.decode() == html
    for private in ("grid_worker", "张三", world.a1.person.phone, world.a1.person.id_number, "海沧一格"):
        assert private not in html


def test_the_manifest_makes_an_installable_chinese_app(client):
    response = client.get(reverse("fieldapp:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "网格通" and manifest["lang"] == "zh-Hans"
    assert manifest["start_url"] == "/field/" and manifest["scope"] == "/field/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_the_service_worker_is_never_http_cached_and_precaches_the_whole_shell(client):
    response = client.get(reverse("fieldapp:sw"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/field/"
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    script = response.content.decode()
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert precache[:2] == ["/field/", "/field/manifest.webmanifest"]
    for path in (
        "fieldapp/js/main.js",
        "fieldapp/js/store.js",
        "fieldapp/app.css",
        "vendor/idb/build/index.js",
    ):
        assert f"/static/{path}" in precache, path
    # Everything the shell and its modules load is there, and every entry exists.
    for url in precache:
        assert client.get(url).status_code == 200, url
    shell = client.get("/field/").content.decode()
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', shell):
        assert url in precache, url


def test_a_changed_file_gives_the_service_worker_a_new_version(client, tmp_path, monkeypatch):
    def version():
        return re.search(r'const VERSION = "(\w+)"', client.get("/field/sw.js").content.decode()).group(1)

    first = version()
    assert version() == first
    changed = tmp_path / "app.css"
    changed.write_bytes(open(finders.find("fieldapp/app.css"), "rb").read() + b"\n/* changed */\n")
    real_find = finders.find
    monkeypatch.setattr(
        views.finders, "find", lambda path: str(changed) if path == "fieldapp/app.css" else real_find(path)
    )
    assert version() != first


def test_every_module_the_app_imports_is_precached():
    precached = set(precache_static_paths())
    for path in precached:
        if not path.endswith(".js") or path.startswith("vendor/"):
            continue
        source = open(finders.find(path), encoding="utf-8").read()
        for name in re.findall(r'from "([\w./-]+)"', source):
            imported = posixpath.normpath(posixpath.join(posixpath.dirname(path), name))
            assert imported in precached, (path, name)
