"""网格通: the pages that make the offline field app installable — its shell, manifest and service worker.

None of them carries personal data or needs a login: the app signs in with an API token and keeps the
worker's grid in IndexedDB, so the same shell can be cached by the service worker and opened with no network.
"""

import hashlib
import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse

STATIC_ROOT_OF_APP = Path(__file__).resolve().parent / "static"
# The front-end packages the app's modules import (by relative path: see store.js).
VENDOR_MODULES = ["vendor/idb/build/index.js"]
APP_THEME = "#b3261e"
APP_BACKGROUND = "#f3f5f8"


def app_static_paths() -> list[str]:
    """Every file of the app's static folder: all of it belongs to the shell, so none can be left out."""
    return sorted(
        path.relative_to(STATIC_ROOT_OF_APP).as_posix()
        for path in STATIC_ROOT_OF_APP.rglob("*")
        if path.is_file()
    )


def precache_static_paths() -> list[str]:
    return app_static_paths() + VENDOR_MODULES


def shell_version() -> str:
    """A digest of everything the service worker caches: any change to a file installs a new worker."""
    digest = hashlib.sha256()
    for name in ("fieldapp/shell.html", "fieldapp/sw.js"):
        digest.update(Path(get_template(name).origin.name).read_bytes())
    for path in precache_static_paths():
        found = finders.find(path)
        digest.update(path.encode())
        digest.update(Path(found).read_bytes() if found else b"missing")
    return digest.hexdigest()[:16]


def no_http_cache(response: HttpResponse) -> HttpResponse:
    # The service worker is the app's only cache; a stale copy in the HTTP cache would hide an update.
    response["Cache-Control"] = "no-cache, no-store, must-revalidate"
    return response


def shell(request):
    return no_http_cache(render(request, "fieldapp/shell.html", {"theme": APP_THEME}))


def manifest(request):
    scope = reverse("fieldapp:shell")
    data = {
        "name": "网格通",
        "short_name": "网格通",
        "description": "网格员入户访查（离线可用）",
        "lang": "zh-Hans",
        "start_url": scope,
        "scope": scope,
        "id": scope,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": APP_BACKGROUND,
        "theme_color": APP_THEME,
        "icons": [
            {"src": static("fieldapp/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("fieldapp/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("fieldapp/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("fieldapp/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return no_http_cache(response)


def service_worker(request):
    scope = reverse("fieldapp:shell")
    context = {
        "version": shell_version(),
        "shell_url": scope,
        "precache": json.dumps(
            [scope, reverse("fieldapp:manifest")] + [static(path) for path in precache_static_paths()]
        ),
    }
    response = render(request, "fieldapp/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = scope
    return no_http_cache(response)
