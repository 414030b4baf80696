"""API test helpers: a member and a coordinator with bearer tokens."""
from __future__ import annotations

import pytest

from fleet.core.db import utcnow
from fleet.models import Role
from fleet.members.tokens import issue_token


class Api:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path, **kw):
        return self.client.get("/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post("/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch("/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.client.delete("/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def people(make, session):
    member = make.member(email="member@example.org")
    other = make.member(email="other@example.org")
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    tokens = {name: issue_token(session, m, "test", utcnow())[0]
              for name, m in (("member", member), ("other", other), ("coordinator", coordinator))}
    session.commit()
    return dict(member=member, other=other, coordinator=coordinator, tokens=tokens)


@pytest.fixture
def api(client, people):
    return Api(client, people["tokens"]["member"])


@pytest.fixture
def other_api(app, people):
    return Api(app.test_client(), people["tokens"]["other"])


@pytest.fixture
def coord_api(app, people):
    return Api(app.test_client(), people["tokens"]["coordinator"])


@pytest.fixture
def anon_api(app, people):
    return Api(app.test_client(), None)
