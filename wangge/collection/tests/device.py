"""A minimal field-app client for tests, written from docs/sync.md alone: pull into a local store, push changes."""

import json
import uuid

from django.test import Client

from wangge.accounts.models import ApiToken

BASE = "/api/v1/sync"


def new_uuid() -> str:
    return str(uuid.uuid4())


class Device:
    def __init__(self, user, device_id: str | None = None):
        self.client = Client()
        self.user = user
        _token, raw = ApiToken.objects.issue(user)
        self.device_id = device_id or f"dev-{uuid.uuid4().hex[:12]}"
        self.headers = {"Authorization": f"Bearer {raw}", "X-Device-Id": self.device_id}
        self.cursor = ""
        self.store: dict[tuple[str, int], dict] = {}
        self.resets = 0

    def pull_once(self, limit: int = 500):
        response = self.client.get(
            f"{BASE}/pull", {"cursor": self.cursor, "limit": limit}, headers=self.headers
        )
        assert response.status_code == 200, response.content
        body = response.json()
        if body["reset"]:
            self.resets += 1
            self.store.clear()
        for item in body["records"]:
            key = (item["type"], item["id"])
            if key not in self.store or self.store[key]["version"] <= item["version"]:
                self.store[key] = item
        for item in body["removed"]:
            self.store.pop((item["type"], item["id"]), None)
        self.cursor = body["cursor"]
        return body

    def pull(self, limit: int = 500):
        pages = 0
        while True:
            body = self.pull_once(limit)
            pages += 1
            if not body["more"]:
                return pages
            assert pages < 10_000

    def push_raw(self, changes):
        return self.client.post(
            f"{BASE}/push",
            json.dumps({"changes": changes}),
            content_type="application/json",
            headers=self.headers,
        )

    def push(self, changes):
        response = self.push_raw(changes)
        assert response.status_code == 200, response.content
        return response.json()["results"]

    def ids(self, type_name: str) -> set[int]:
        return {i for t, i in self.store if t == type_name}


def change(op, target, payload=None, base_version=None, uuid_=None):
    return {
        "uuid": uuid_ or new_uuid(),
        "op": op,
        "target": target,
        "base_version": base_version,
        "payload": payload or {},
        "made_at": "2026-11-22T10:00:00+08:00",
    }
