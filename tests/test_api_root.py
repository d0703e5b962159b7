"""``/api/v1/`` lists the resources; the API docs group them by resource with one-line summaries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import client_for
from tests.factories import OrganizationFactory, member
from vendors.models import Role

pytestmark = pytest.mark.django_db

RESOURCES = [
    "audit",
    "carc-categories",
    "claim-payments",
    "column-aliases",
    "contracts",
    "denial-work",
    "disputes",
    "kpis",
    "notifications",
    "payee-mappings",
    "remediations",
    "remittances",
    "reports",
    "scorecards",
    "vendors",
]


def test_api_root_lists_every_resource_for_a_member() -> None:
    user = member(OrganizationFactory(), Role.VIEWER)
    response = client_for(user).get("/api/v1/")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert sorted(body) == RESOURCES
    assert body["contracts"] == "http://testserver/api/v1/contracts/"
    assert body["vendors"] == "http://testserver/api/v1/vendors/"
    assert body["denial-work"] == "http://testserver/api/v1/denial-work/"


def test_api_root_needs_authentication() -> None:
    assert Client().get("/api/v1/").status_code in (401, 403)


def test_schema_groups_operations_by_resource_with_summaries() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    tags = {op["tags"][0] for _, _, op in operations}
    assert sorted(tags) == sorted([*RESOURCES, "jobs"])
    assert [(p, m) for p, m, op in operations if not op.get("summary")] == []
    summaries = {(p, m): op["summary"] for p, m, op in operations}
    assert summaries[("/api/v1/contracts/", "get")] == "List contracts"
    assert summaries[("/api/v1/contracts/", "post")] == "Create one in contracts"
    assert summaries[("/api/v1/contracts/{id}/", "patch")] == "Update one of contracts"
    assert summaries[("/api/v1/contracts/{id}/amend/", "post")] == "Amend from a date"
    assert summaries[("/api/v1/remediations/{id}/transition/", "post")] == "A transition"
    assert all("\n" not in s and len(s) <= 160 for s in summaries.values())
