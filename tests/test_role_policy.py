"""The one role policy: every role against every API endpoint and every page.

The endpoints and pages are read from the URL resolver, so a new one fails
``test_every_api_endpoint_is_in_the_table`` (or the pages' twin) until its expected answers are
written here. Money (fee, credit, at-risk amount, effective rate, cost per claim, the what-if and
the contract's prices) is for administrators and finance only: absent, not null, for the others.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal as D
from typing import Any

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from scorecard.models import Job, RemediationItem, Scorecard
from scorecard.services.evaluation import evaluate
from tests.conftest import client_for
from tests.factories import ContractFactory, VendorFactory, member
from tests.scorecard.helpers import report
from vendors import policy
from vendors.models import ColumnAlias, Contract, KPIDefinition, Report, Role, Vendor
from vendors.policy import Capability, PdfVariant

pytestmark = pytest.mark.django_db

# stranger: admin of B only; vendor: a vendor user of Acme (its own records: the world's records)
ROLES = ["admin", "finance", "compliance", "viewer", "vendor", "stranger"]
MONEY_ROLES = {"admin", "finance"}
MONEY_KEYS = policy.SCORECARD_MONEY_FIELDS | policy.CONTRACT_PRICE_FIELDS


# --- The policy table itself -------------------------------------------------------------------
def test_capability_table_is_the_one_answer() -> None:
    assert policy.roles_with(Capability.SEE_MONEY) == {"admin", "finance"}
    assert policy.roles_with(Capability.MANAGE) == {"admin"}
    assert policy.roles_with(Capability.MOVE_REMEDIATION) == {"admin", "compliance"}
    assert policy.roles_with(Capability.SEE_COMPLIANCE) == {"admin", "compliance"}
    assert policy.roles_with(Capability.UPLOAD) == {"admin", "finance", "compliance", "vendor"}
    assert policy.roles_with(Capability.READ) == set(Role.values)
    assert policy.roles_with(Capability.SEE_PRACTICE) == {
        "admin",
        "finance",
        "compliance",
        "viewer",
    }
    assert policy.roles_with(Capability.RESPOND) == {"vendor"}
    assert policy.roles_with(Capability.ANSWER_DISPUTES) == {"admin", "compliance"}
    assert policy.capabilities_of(None) == frozenset()
    assert policy.capabilities_of("vendor") == {Capability.READ, Capability.UPLOAD, "respond"}
    assert policy.capabilities_of("supplier") == frozenset()  # not a role: nothing
    assert [policy.pdf_variant(r) for r in Role.values] == [
        "full",
        "full",
        "no_money",
        "no_money",
        "no_money",
    ]
    assert policy.may_have_pdf("viewer", PdfVariant.FULL) is False
    assert policy.may_have_pdf("viewer", PdfVariant.NO_MONEY) is True
    payload = {"fee": "1.00", "standing": "Good", "contract": {"fee_per_claim": "2", "version": 1}}
    assert policy.scorecard_for_role(payload, "viewer") == {
        "standing": "Good",
        "contract": {"version": 1},
    }
    assert policy.scorecard_for_role(payload, "finance") == payload
    assert policy.export_columns(["vendor", "fee", "net", "period"], "compliance") == [0, 3]
    assert policy.export_columns(["vendor", "fee", "net", "period"], "finance") == [0, 1, 2, 3]


# --- A world: organization A with every role, organization B with its own admin ------------------
@dataclass
class World:
    """Organization A's records and the users who ask for them."""

    users: dict[str, Any]
    acme: Vendor
    bolt: Vendor
    cobalt: Vendor
    contract: Contract
    card: Scorecard
    item: RemediationItem
    alias: ColumnAlias
    report: Report


@pytest.fixture
def world(org: Any, other_org: Any) -> World:
    """Acme (6 % of collections, minimum 1,000, maximum 50,000) evaluated for 2026-01 on payments
    of 250,000 and 4,000 claims (fee 15,000.00, credit 300.00); Bolt at 3.10 per claim."""
    users = {
        role: member(org, role, user__username=f"a-{role}")
        for role in Role.values
        if role != Role.VENDOR
    }
    users["stranger"] = member(other_org, Role.ADMIN, user__username="b-admin")
    contract = ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        monthly_minimum=D("1000"),
        monthly_maximum=D("50000"),
    )
    bolt = ContractFactory(
        vendor__organization=org,
        vendor__slug="bolt",
        vendor__name="Bolt",
        pricing_model="per_claim",
        percent_of_collections=None,
        fee_per_claim=D("3.10"),
    ).vendor
    acme = contract.vendor
    users["vendor"] = member(org, Role.VENDOR, vendor=acme, user__username="a-vendor")
    rep = report(acme, "2026-01", days_in_ar=D("60"), payments=D("250000"), claims_submitted=4000)
    evaluate(vendor_ids=[acme.pk])
    alias = ColumnAlias.objects.create(
        vendor=acme, header="DAR", normalized="dar", target="days_in_ar", scale="percent"
    )
    return World(
        users=users,
        acme=acme,
        bolt=bolt,
        cobalt=VendorFactory(organization=org, slug="cobalt", name="Cobalt"),
        contract=contract,
        card=Scorecard.objects.get(vendor=acme, period="2026-01"),
        item=RemediationItem.objects.get(vendor=acme),
        alias=alias,
        report=rep,
    )


def money_paths(data: Any, path: str = "") -> list[str]:
    """Every key of the JSON tree that names money, with its path."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in MONEY_KEYS:
                found.append(f"{path}.{key}")
            found += money_paths(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += money_paths(value, f"{path}[{i}]")
    return found


# --- The API -------------------------------------------------------------------------------------
def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _methods(pattern: URLPattern) -> set[str]:
    actions = getattr(pattern.callback, "actions", None)
    if actions:
        # DRF adds "head" beside "get" once a viewset has answered: it is the same action
        return set(actions) - {"head", "options"}
    view_class = getattr(pattern.callback, "view_class", None) or pattern.callback.cls
    return {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}


def api_endpoints() -> set[tuple[str, str]]:
    """(URL name, method) of every API endpoint the resolver knows."""
    return {
        (p.name, m)
        for route, p in _walk(get_resolver().url_patterns)
        if route.startswith("api/")
        for m in _methods(p)
    }


def pages() -> set[str]:
    """URL names of every page (everything but the API, the admin, sign-in and sign-out)."""
    return {
        p.name
        for route, p in _walk(get_resolver().url_patterns)
        if not route.startswith(("api/", "admin/", "login/", "logout/"))
    }


Body = Callable[[World, str], dict[str, Any]]


@dataclass
class Call:
    """One endpoint and method: the URL, a body per role, and the status each role gets."""

    url: Callable[[World], str]
    status: dict[str, int]
    body: Body | None = None
    multipart: bool = False


def _all(code: int, **others: int) -> dict[str, int]:
    return {role: others.get(role, code) for role in ROLES}


READ_LIST = _all(200)


def _shipped_carc() -> int:
    from remittances.models import CarcRule

    return CarcRule.objects.get(organization=None, carc="16", group_code="").pk


READ_ONE = _all(200, stranger=404)
ADMIN_ONLY = _all(403, admin=200, stranger=404)
NOT_FOR_VENDOR = _all(403, admin=200, stranger=404, vendor=404)


def _csv(w: World, role: str) -> dict[str, Any]:
    months = {
        "admin": "2026-02",
        "finance": "2026-03",
        "compliance": "2026-04",
        "viewer": "2026-05",
        "vendor": "2026-07",
    }
    period = months.get(role, "2026-06")
    text = f"period,days_in_ar,payments,claims_submitted\n{period},38,100000,1000\n"
    return {"vendor": w.acme.pk, "file": SimpleUploadedFile(f"acme-{role}.csv", text.encode())}


def _move(w: World, role: str) -> dict[str, Any]:
    # compliance answers before admin: open -> action plan received -> in progress
    status = "in_progress" if role == "admin" else "action_plan_received"
    return {"status": status, "reason": f"moved by {role}"}


# --- Remittances (X12 835): reading READ, uploading UPLOAD, mapping payees MANAGE -------------
def _denial_work(w: World) -> Any:
    """Acme's May 2026 denial work log's measures (tests/worklogs/files/per_touch.csv)."""
    from pathlib import Path

    from worklogs.models import DenialWorkMeasures
    from worklogs.services.logs import log_store

    found = DenialWorkMeasures.objects.filter(vendor=w.acme).first()
    if found is not None:
        return found
    content = (Path(__file__).parent / "worklogs" / "files" / "per_touch.csv").read_bytes()
    log_store(vendor=w.acme, period="2026-05", content=content, file_name="log.csv")
    return DenialWorkMeasures.objects.get(vendor=w.acme)


def _remittance(w: World) -> Any:
    """Organization A's paid.835, its payee mapped to Acme (made once per test)."""
    from remittances.models import RemittanceFile
    from remittances.services.imports import remittance_import
    from tests.remittances.helpers import data

    found = RemittanceFile.objects.filter(organization=w.acme.organization).first()
    if found is not None:
        return found
    return remittance_import(
        organization=w.acme.organization,
        data=data("paid.835"),
        file_name="paid.835",
        vendor=w.acme,
    ).remittance_file


def _mapping(w: World) -> Any:
    _remittance(w)
    return w.acme.payee_mappings.get()


def _mapping(w: World) -> Any:
    _remittance(w)
    return w.acme.payee_mappings.get()


def _835(w: World, role: str) -> dict[str, Any]:
    from tests.remittances.helpers import data

    _remittance(w)  # maps the payee in organization A
    raw = data("paid.835").replace(b"000000101", f"00000020{ROLES.index(role)}".encode())
    return {"files": [SimpleUploadedFile(f"{role}.835", raw)]}


def _payee(w: World, role: str) -> dict[str, Any]:
    return {"id_qualifier": "FI", "payee_id": f"99{ROLES.index(role)}", "vendor": w.acme.pk}


REMITTANCE_API: dict[tuple[str, str], Call] = {
    ("remittance-list", "get"): Call(lambda w: "/api/v1/remittances/", READ_LIST),
    ("remittance-list", "post"): Call(
        lambda w: "/api/v1/remittances/",
        # stranger: uploads to organization B, where the file's payee is not mapped
        _all(201, viewer=403, stranger=400),
        body=_835,
        multipart=True,
    ),
    ("remittance-detail", "get"): Call(
        # a file may hold other vendors' claims: the files are the practice's alone
        lambda w: f"/api/v1/remittances/{_remittance(w).pk}/",
        _all(200, stranger=404, vendor=404),
    ),
    ("claim-payment-list", "get"): Call(lambda w: "/api/v1/claim-payments/", READ_LIST),
    ("denial-work-measures-list", "get"): Call(lambda w: "/api/v1/denial-work/", READ_LIST),
    ("denial-work-measures-detail", "get"): Call(
        lambda w: f"/api/v1/denial-work/{_denial_work(w).pk}/", READ_ONE
    ),
    ("claim-payment-detail", "get"): Call(
        lambda w: f"/api/v1/claim-payments/{_remittance(w).claims.first().pk}/", READ_ONE
    ),
    ("payee-mapping-list", "get"): Call(lambda w: "/api/v1/payee-mappings/", READ_LIST),
    ("payee-mapping-list", "post"): Call(
        lambda w: "/api/v1/payee-mappings/",
        _all(403, admin=201, stranger=400),  # stranger: Acme does not exist for them
        body=_payee,
    ),
    ("payee-mapping-detail", "get"): Call(
        lambda w: f"/api/v1/payee-mappings/{_mapping(w).pk}/",
        READ_ONE,
    ),
    ("payee-mapping-detail", "put"): Call(
        lambda w: f"/api/v1/payee-mappings/{_mapping(w).pk}/",
        ADMIN_ONLY,
        body=lambda w, role: {
            "id_qualifier": "XX",
            "payee_id": "1234567893",
            "payee_name": role,
            "vendor": w.acme.pk,
        },
    ),
    ("payee-mapping-detail", "patch"): Call(
        lambda w: f"/api/v1/payee-mappings/{_mapping(w).pk}/",
        ADMIN_ONLY,
        body=lambda w, role: {"payee_name": role},
    ),
}


API: dict[tuple[str, str], Call] = {
    ("api-root", "get"): Call(lambda w: "/api/v1/", READ_LIST),
    ("vendor-list", "get"): Call(lambda w: "/api/v1/vendors/", READ_LIST),
    ("vendor-list", "post"): Call(
        lambda w: "/api/v1/vendors/",
        _all(403, admin=201, stranger=400),  # stranger: organization A is unknown to them
        body=lambda w, role: {"name": f"New {role}", "organization_slug": "practice-a"},
    ),
    ("vendor-detail", "get"): Call(lambda w: f"/api/v1/vendors/{w.acme.pk}/", READ_ONE),
    ("vendor-detail", "put"): Call(
        lambda w: f"/api/v1/vendors/{w.acme.pk}/",
        ADMIN_ONLY,
        body=lambda w, role: {"name": "Acme", "account_manager_name": role},
    ),
    ("vendor-detail", "patch"): Call(
        lambda w: f"/api/v1/vendors/{w.acme.pk}/",
        ADMIN_ONLY,
        body=lambda w, role: {"account_manager_name": role},
    ),
    ("contract-list", "get"): Call(lambda w: "/api/v1/contracts/", READ_LIST),
    ("contract-list", "post"): Call(
        lambda w: "/api/v1/contracts/",
        # stranger and vendor user (of Acme): Cobalt does not exist for them
        _all(403, admin=201, stranger=400, vendor=400),
        body=lambda w, role: {
            "vendor": w.cobalt.pk,  # no contract yet
            "start_date": f"{2030 + ROLES.index(role)}-01-01",
            "end_date": f"{2030 + ROLES.index(role)}-12-31",
            "pricing_model": "flat_monthly",
            "flat_monthly_fee": "9000",
        },
    ),
    ("contract-detail", "get"): Call(lambda w: f"/api/v1/contracts/{w.contract.pk}/", READ_ONE),
    ("contract-detail", "put"): Call(
        lambda w: f"/api/v1/contracts/{w.contract.pk}/",
        ADMIN_ONLY,
        body=lambda w, role: {
            "vendor": w.acme.pk,
            "start_date": "2025-01-01",
            "pricing_model": "percent_of_collections",
            "percent_of_collections": "6",
            "notes": role,
        },
    ),
    ("contract-detail", "patch"): Call(
        lambda w: f"/api/v1/contracts/{w.contract.pk}/",
        ADMIN_ONLY,
        body=lambda w, role: {"notes": role},
    ),
    ("contract-amend", "post"): Call(
        lambda w: f"/api/v1/contracts/{w.contract.pk}/amend/",
        _all(403, admin=201, stranger=404),
        body=lambda w, role: {"effective_date": "2026-06-01", "changes": {"notes": role}},
    ),
    ("kpi-list", "get"): Call(lambda w: "/api/v1/kpis/", READ_LIST),
    ("kpi-list", "post"): Call(
        lambda w: "/api/v1/kpis/",
        _all(403, admin=201, stranger=201),  # each organization's administrator adds its own KPI
        body=lambda w, role: {
            "code": f"kpi_{role}",
            "name": f"KPI {role}",
            "unit": "percent",
            "direction": "higher",
            "source": "test",
        },
    ),
    ("kpi-detail", "get"): Call(
        lambda w: f"/api/v1/kpis/{KPIDefinition.objects.get(code='days_in_ar').pk}/",
        READ_LIST,  # the catalog is shared by every organization
    ),
    ("kpi-detail", "patch"): Call(
        lambda w: f"/api/v1/kpis/{KPIDefinition.objects.get(code='days_in_ar').pk}/",
        _all(403),  # shipped KPIs are read-only to every organization
        body=lambda w, role: {"name": f"Days in A/R by {role}"},
    ),
    ("kpi-detail", "put"): Call(
        lambda w: f"/api/v1/kpis/{KPIDefinition.objects.get(code='days_in_ar').pk}/",
        _all(403),
        body=lambda w, role: {"name": f"Days in A/R by {role}", "unit": "days"},
    ),
    ("carc-category-list", "get"): Call(lambda w: "/api/v1/carc-categories/", READ_LIST),
    ("carc-category-list", "post"): Call(
        lambda w: "/api/v1/carc-categories/",
        _all(403, admin=201, stranger=201),  # each organization's administrator adds its own row
        body=lambda w, role: {
            "carc": "16",
            "group_code": "CO",
            "category": "coding",
            "responsible_party": "vendor",
        },
    ),
    ("carc-category-detail", "get"): Call(
        lambda w: f"/api/v1/carc-categories/{_shipped_carc()}/",
        READ_LIST,  # the shipped rows are shared by every organization
    ),
    ("carc-category-detail", "patch"): Call(
        lambda w: f"/api/v1/carc-categories/{_shipped_carc()}/",
        _all(403),  # shipped rows are read-only to every organization
        body=lambda w, role: {"category": "coding"},
    ),
    ("carc-category-detail", "put"): Call(
        lambda w: f"/api/v1/carc-categories/{_shipped_carc()}/",
        _all(403),
        body=lambda w, role: {"carc": "16", "category": "coding", "responsible_party": "vendor"},
    ),
    ("audit-list", "get"): Call(
        lambda w: "/api/v1/audit/", _all(403, admin=200, compliance=200, stranger=200)
    ),
    ("report-list", "get"): Call(lambda w: "/api/v1/reports/", READ_LIST),
    ("report-list", "post"): Call(
        lambda w: "/api/v1/reports/",
        _all(201, viewer=403, stranger=400),  # stranger: Acme does not exist for them
        body=_csv,
        multipart=True,
    ),
    ("report-detail", "get"): Call(lambda w: f"/api/v1/reports/{w.report.pk}/", READ_ONE),
    ("column-alias-list", "get"): Call(lambda w: "/api/v1/column-aliases/", READ_LIST),
    ("column-alias-list", "post"): Call(
        lambda w: "/api/v1/column-aliases/",
        _all(403, admin=201, stranger=400),
        body=lambda w, role: {"vendor": w.acme.pk, "header": f"AR {role}", "target": "days_in_ar"},
    ),
    ("column-alias-detail", "get"): Call(
        lambda w: f"/api/v1/column-aliases/{w.alias.pk}/", READ_ONE
    ),
    ("column-alias-detail", "put"): Call(
        lambda w: f"/api/v1/column-aliases/{w.alias.pk}/",
        ADMIN_ONLY,
        body=lambda w, role: {"vendor": w.acme.pk, "header": "DAR", "target": "days_in_ar"},
    ),
    ("column-alias-detail", "patch"): Call(
        lambda w: f"/api/v1/column-aliases/{w.alias.pk}/",
        ADMIN_ONLY,
        body=lambda w, role: {"scale": "fraction"},
    ),
    ("column-alias-detail", "delete"): Call(
        lambda w: f"/api/v1/column-aliases/{w.alias.pk}/",
        _all(403, admin=204, stranger=404),
    ),
    ("scorecard-list", "get"): Call(lambda w: "/api/v1/scorecards/", READ_LIST),
    ("scorecard-detail", "get"): Call(lambda w: f"/api/v1/scorecards/{w.card.pk}/", READ_ONE),
    ("scorecard-what-if", "get"): Call(
        lambda w: f"/api/v1/scorecards/{w.card.pk}/what-if/",
        _all(403, admin=200, finance=200, stranger=404),
    ),
    ("api-scorecard-pdf", "post"): Call(
        lambda w: reverse("api-scorecard-pdf", args=[w.card.pk]), _all(202, stranger=404)
    ),
    ("api-scorecard-pdf", "get"): Call(
        # nothing asked for yet: the role's variant has no job
        lambda w: reverse("api-scorecard-pdf", args=[w.card.pk]),
        _all(404),
    ),
    ("api-job-detail", "get"): Call(
        lambda w: reverse("api-job-detail", args=[_job(w).pk]), READ_ONE
    ),
    ("remediation-list", "get"): Call(lambda w: "/api/v1/remediations/", READ_LIST),
    ("remediation-detail", "get"): Call(lambda w: f"/api/v1/remediations/{w.item.pk}/", READ_ONE),
    ("remediation-detail", "patch"): Call(
        lambda w: f"/api/v1/remediations/{w.item.pk}/",
        _all(403, admin=200, compliance=200, stranger=404),
        body=_move,
    ),
    ("remediation-transition", "post"): Call(
        lambda w: f"/api/v1/remediations/{w.item.pk}/transition/",
        _all(403, admin=200, compliance=200, stranger=404),
        body=_move,
    ),
    # Disputes: the vendor side (RESPOND) opens and adds files, the practice side
    # (ANSWER_DISPUTES) decides; compliance steps before admin, who then finds it decided.
    ("dispute-list", "get"): Call(lambda w: "/api/v1/disputes/", READ_LIST),
    ("dispute-list", "post"): Call(
        lambda w: "/api/v1/disputes/",
        _all(403, vendor=201, stranger=404),  # stranger: A's scorecard does not exist for them
        body=lambda w, role: {
            "scorecard": w.card.pk,
            "reason": f"by {role}",
            "items": [{"kpi": "days_in_ar", "reason": "counted twice"}],
        },
    ),
    ("dispute-detail", "get"): Call(lambda w: f"/api/v1/disputes/{_dispute(w).pk}/", READ_ONE),
    ("dispute-answer", "post"): Call(
        lambda w: f"/api/v1/disputes/{_dispute(w).pk}/answer/",
        _all(403, compliance=200, admin=400, stranger=404),
        body=lambda w, role: {"reason": f"answered by {role}"},
    ),
    ("dispute-accept", "post"): Call(
        # no corrected report nor amendment: no newer revision, so accepting is refused
        lambda w: f"/api/v1/disputes/{_dispute(w).pk}/accept/",
        _all(403, compliance=400, admin=400, stranger=404),
        body=lambda w, role: {"reason": "agreed", "resolution": "corrected_report"},
    ),
    ("dispute-reject", "post"): Call(
        lambda w: f"/api/v1/disputes/{_dispute(w).pk}/reject/",
        _all(403, compliance=200, admin=400, stranger=404),
        body=lambda w, role: {"reason": f"rejected by {role}"},
    ),
    ("dispute-attachments", "post"): Call(
        lambda w: f"/api/v1/disputes/{_dispute(w).pk}/attachments/",
        _all(403, vendor=201, stranger=404),
        body=lambda w, role: {"file": SimpleUploadedFile(f"{role}.txt", b"evidence")},
        multipart=True,
    ),
    ("api-dispute-attachment", "get"): Call(
        lambda w: reverse("api-dispute-attachment", args=[*_attachment(w)]), READ_ONE
    ),
    ("api-scorecard-acknowledge", "post"): Call(
        lambda w: reverse("api-scorecard-acknowledge", args=[w.card.pk]),
        _all(403, vendor=201, stranger=404),
        body=lambda w, role: {"note": role},
    ),
    ("api-remediation-action-plan", "get"): Call(
        lambda w: reverse("api-remediation-action-plan", args=[w.item.pk]), READ_ONE
    ),
    ("api-remediation-action-plan", "post"): Call(
        lambda w: reverse("api-remediation-action-plan", args=[w.item.pk]),
        _all(403, vendor=201, stranger=404),
        body=lambda w, role: {"text": f"plan of {role}"},
        multipart=True,
    ),
    # Notifications: each person's own; the admin's (of the breach evaluated) is nobody else's.
    ("notification-list", "get"): Call(lambda w: "/api/v1/notifications/", READ_LIST),
    ("notification-read", "post"): Call(
        lambda w: f"/api/v1/notifications/{_admin_note(w)}/read/", _all(404, admin=200)
    ),
    ("notification-read-all", "post"): Call(lambda w: "/api/v1/notifications/read-all/", READ_LIST),
    ("api-schema", "get"): Call(lambda w: reverse("api-schema"), READ_LIST),
    ("api-docs", "get"): Call(lambda w: reverse("api-docs"), READ_LIST),
}
API.update(REMITTANCE_API)
# Compliance moves before admin so that each finds the item where its transition starts.
ORDER = ["vendor", "stranger", "viewer", "finance", "compliance", "admin"]


def _admin_note(w: World) -> int:
    from scorecard.models import InAppNotification

    return InAppNotification.objects.filter(recipient=w.users["admin"]).values_list(
        "pk", flat=True
    )[0]


def _job(w: World) -> Job:
    from scorecard.services.jobs import pdf_job_request

    return pdf_job_request(scorecard=w.card, variant=PdfVariant.NO_MONEY)


def _dispute(w: World) -> Any:
    from disputes.services.disputes import dispute_open

    return dispute_open(
        scorecard=w.card,
        actor=w.users["vendor"],
        reason="Days in A/R counted twice.",
        items=[{"kpi": "days_in_ar", "reason": "counted twice"}],
    )


def _attachment(w: World) -> tuple[int, int]:
    from disputes.services.disputes import dispute_attach

    dispute = _dispute(w)
    row = dispute_attach(
        dispute=dispute, upload=SimpleUploadedFile("aging.txt", b"aging"), actor=w.users["vendor"]
    )
    return dispute.pk, row.pk


def test_every_api_endpoint_is_in_the_table() -> None:
    known = api_endpoints()
    missing = sorted(known - set(API))
    assert not missing, f"New API endpoints: write their expected answers per role: {missing}"
    assert sorted(set(API) - known) == []


@pytest.fixture
def _static_files(settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.mark.parametrize(("name", "method"), sorted(API))
def test_every_role_against_every_api_endpoint(
    world: World, name: str, method: str, _static_files: None
) -> None:
    call = API[(name, method)]
    url = call.url(world)
    got = {}
    for role in ORDER:
        client = client_for(world.users[role])
        body = call.body(world, role) if call.body else None
        kwargs: dict[str, Any] = {"format": "multipart" if call.multipart else "json"}
        response = getattr(client, method)(url, body, **kwargs)
        got[role] = response.status_code
        if role not in MONEY_ROLES and response.get("Content-Type", "").startswith(
            "application/json"
        ):
            assert money_paths(response.json()) == [], (name, method, role)
    assert got == call.status


# --- Money through the API, with exact values --------------------------------------------------
SCORECARD_MONEY = {
    "fee": "15000.00",  # 6 % of 250,000
    "credit": "300.00",  # 15,000 x 10 % at risk x 20 % weight of days in A/R
    "at_risk_amount": "1500",  # as frozen in the snapshot
    "effective_rate": "6",
    "cost_per_claim": "3.75",  # 15,000 / 4,000
}
CONTRACT_PRICES = {
    "percent_of_collections": "6.000",
    "fee_per_claim": None,
    "flat_monthly_fee": None,
    "monthly_minimum": "1000.00",
    "monthly_maximum": "50000.00",
}


@pytest.mark.parametrize("role", ["admin", "finance", "compliance", "viewer"])
def test_scorecard_money_fields_present_only_for_money_roles(world: World, role: str) -> None:
    client = client_for(world.users[role])
    one = client.get(f"/api/v1/scorecards/{world.card.pk}/").json()
    listing = client.get("/api/v1/scorecards/", {"vendor": "acme", "period": "2026-01"})
    [listed] = listing.json()["results"]
    assert listed == one
    assert one["overall_score"] == "80.00" and one["standing"] == "Good"
    assert one["payments"] == "250000" and one["claims_submitted"] == "4000"
    contract = one["contract"]
    assert (contract["pricing_model"], contract["at_risk_percent"]) == (
        "percent_of_collections",
        "10",
    )
    if role in MONEY_ROLES:
        assert {k: one[k] for k in SCORECARD_MONEY} == SCORECARD_MONEY
        assert {k: contract.get(k) for k in CONTRACT_PRICES} == {
            "percent_of_collections": "6",
            "fee_per_claim": None,
            "flat_monthly_fee": None,
            "monthly_minimum": "1000",
            "monthly_maximum": "50000",
        }
    else:
        assert set(SCORECARD_MONEY) & set(one) == set()
        assert set(CONTRACT_PRICES) & set(contract) == set()
        assert money_paths(one) == []


@pytest.mark.parametrize("role", ["admin", "finance", "compliance", "viewer"])
def test_contract_prices_present_only_for_money_roles(world: World, role: str) -> None:
    client = client_for(world.users[role])
    one = client.get(f"/api/v1/contracts/{world.contract.pk}/").json()
    listed = client.get("/api/v1/contracts/", {"vendor_slug": "acme"}).json()["results"]
    assert listed == [one]
    assert (one["pricing_model"], one["at_risk_percent"], one["version"]) == (
        "percent_of_collections",
        "10.00",
        1,
    )
    if role in MONEY_ROLES:
        assert {k: one[k] for k in CONTRACT_PRICES} == CONTRACT_PRICES
    else:
        assert set(CONTRACT_PRICES) & set(one) == set()


def test_what_if_exact_for_finance_and_refused_with_its_reason(world: World) -> None:
    url = f"/api/v1/scorecards/{world.card.pk}/what-if/"
    body = client_for(world.users["finance"]).get(url).json()
    assert body["fee"] == "15000.00"
    assert body["alternatives"] == [
        {
            "vendor": "bolt",
            "contract": Contract.objects.get(vendor=world.bolt).pk,
            "pricing_model": "per_claim",
            "percent_of_collections": None,
            "fee_per_claim": "3.1",
            "flat_monthly_fee": None,
            "monthly_minimum": None,
            "monthly_maximum": None,
            "fee": "12400.00",  # 4,000 claims x 3.10
            "effective_rate": "4.96",  # 12,400 / 250,000
            "cost_per_claim": "3.1",
        }
    ]
    refused = client_for(world.users["compliance"]).get(url)
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "The what-if shows fees, and your role (compliance) does not see money; "
        "it needs one of the roles ['admin', 'finance']."
    }
    given = client_for(world.users["viewer"]).get(url, {"pricing_model": "per_claim"})
    assert given.status_code == 403


def test_openapi_schema_marks_money_fields_optional(world: World, _static_files: None) -> None:
    schema = client_for(world.users["viewer"]).get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    component = schema.json()["components"]["schemas"]["Scorecard"]
    for name in SCORECARD_MONEY:
        assert name in component["properties"]
        assert name not in component.get("required", []), name
    assert "overall_score" in component["required"]
    contract = schema.json()["components"]["schemas"]["Contract"]
    for name in CONTRACT_PRICES:
        assert name in contract["properties"]
        assert name not in contract["required"], name
    schemas = schema.json()["components"]["schemas"]
    assert schemas["Job"]["properties"]["variant"]["allOf"] == [
        {"$ref": "#/components/schemas/VariantEnum"}
    ]
    assert schemas["VariantEnum"]["enum"] == ["full", "no_money"]


def test_openapi_schema_is_valid_without_warnings() -> None:
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)


# --- PDFs: one per variant, each its own file and hash ------------------------------------------
def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_pdf_variants_through_the_job_machinery(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("api-scorecard-pdf", args=[world.card.pk])
    answers = {}
    for role in ("admin", "finance", "compliance", "viewer"):
        client = client_for(world.users[role])
        with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly
            queued = client.post(url)
        assert queued.status_code == 202
        got = client.get(url)
        assert got.status_code == 200
        data = b"".join(got.streaming_content)
        answers[role] = (queued.json()["id"], queued.json()["variant"], data, got)
    # one job per variant, shared by the roles that receive it
    assert answers["admin"][0] == answers["finance"][0]
    assert answers["compliance"][0] == answers["viewer"][0]
    assert answers["admin"][0] != answers["viewer"][0]
    assert (answers["admin"][1], answers["viewer"][1]) == ("full", "no_money")
    full = Job.objects.get(pk=answers["admin"][0])
    bare = Job.objects.get(pk=answers["viewer"][0])
    pk = world.card.pk
    assert (full.key, bare.key) == (f"pdf:scorecard:{pk}", f"pdf:scorecard:{pk}:no_money")
    assert (full.file, bare.file) == (
        f"scorecards/2026-01/acme-2026-01-r1-{pk}.pdf",
        f"scorecards/2026-01/acme-2026-01-r1-{pk}-no-money.pdf",
    )
    assert full.sha256 != bare.sha256
    assert answers["finance"][3]["X-Content-SHA256"] == full.sha256
    assert answers["viewer"][3]["X-Content-SHA256"] == bare.sha256
    with_money = _pdf_text(answers["finance"][2])
    without_money = _pdf_text(answers["viewer"][2])
    for text in ("$15,000.00", "$300.00", "$14,700.00", "Net payable", "Fee and service credit"):
        assert text in with_money, text
        assert text not in without_money, text
    assert "Rate 6.00 % of payments" in with_money
    assert "% of payments" not in without_money and "Cost per claim" not in without_money
    for text in ("Acme", "Days in accounts receivable", "Good"):
        assert text in without_money


# --- Pages ---------------------------------------------------------------------------------------
def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


PAGE_STATUS: dict[str, Callable[[World], tuple[str, dict[str, int]]]] = {
    "dashboard": lambda w: (reverse("dashboard"), READ_LIST),
    "organization-switch": lambda w: (reverse("organization-switch"), _all(405)),
    "vendor-list": lambda w: (reverse("vendor-list"), READ_LIST),
    "vendor-create": lambda w: (reverse("vendor-create"), _all(403, admin=200, stranger=200)),
    "vendor-detail": lambda w: (reverse("vendor-detail", args=[w.acme.pk]), READ_ONE),
    # a vendor user refused a page that names a record: 404, its own vendor's records alike
    "vendor-edit": lambda w: (reverse("vendor-edit", args=[w.acme.pk]), NOT_FOR_VENDOR),
    "vendor-trend": lambda w: (
        reverse("vendor-trend", args=[w.acme.pk, "days_in_ar"]),
        READ_ONE,
    ),
    "vendor-denials": lambda w: (reverse("vendor-denials", args=[w.acme.pk, "2026-01"]), READ_ONE),
    "vendor-denials-png": lambda w: (
        reverse("vendor-denials-png", args=[w.acme.pk, "2026-01"]),
        READ_ONE,
    ),
    "denial-work": lambda w: (reverse("denial-work", args=[w.acme.pk, "2026-05"]), READ_ONE),
    "scorecard-page": lambda w: (reverse("scorecard-page", args=[w.acme.pk, "2026-01"]), READ_ONE),
    "denial-work-sla-png": lambda w: (
        reverse("denial-work-sla-png", args=[w.acme.pk, "2026-05"]),
        READ_ONE,
    ),
    "denial-work-ageing-png": lambda w: (
        reverse("denial-work-ageing-png", args=[w.acme.pk, "2026-05"]),
        READ_ONE,
    ),
    "contract-create": lambda w: (
        reverse("contract-create", args=[w.acme.pk]),
        NOT_FOR_VENDOR,
    ),
    "aliases": lambda w: (reverse("aliases", args=[w.acme.pk]), NOT_FOR_VENDOR),
    "contract-amend": lambda w: (reverse("contract-amend", args=[w.contract.pk]), NOT_FOR_VENDOR),
    "contract-terms": lambda w: (reverse("contract-terms", args=[w.contract.pk]), NOT_FOR_VENDOR),
    "compare": lambda w: (reverse("compare"), _all(200, vendor=403)),
    "upload": lambda w: (reverse("upload"), _all(200, viewer=403)),
    "upload-confirm": lambda w: (reverse("upload-confirm"), _all(405)),
    "remediation-board": lambda w: (reverse("remediation-board"), READ_LIST),
    "remediation-transition": lambda w: (
        reverse("remediation-transition", args=[w.item.pk]),
        _all(405),
    ),
    "notifications-page": lambda w: (reverse("notifications-page"), READ_LIST),
    "notifications-page-read-all": lambda w: (reverse("notifications-page-read-all"), _all(405)),
    "notification-page-read": lambda w: (
        reverse("notification-page-read", args=[_admin_note(w)]),
        _all(405),
    ),
    "notification-preferences": lambda w: (reverse("notification-preferences"), READ_LIST),
    "password_change": lambda w: (reverse("password_change"), _all(200)),
    "password_change_done": lambda w: (reverse("password_change_done"), _all(200)),
    "audit": lambda w: (reverse("audit"), _all(403, admin=200, compliance=200, stranger=200)),
    "audit-export": lambda w: (
        reverse("audit-export"),
        _all(403, admin=200, compliance=200, stranger=200),
    ),
    "compliance": lambda w: (
        reverse("compliance"),
        _all(403, admin=200, compliance=200, stranger=200),
    ),
    "compliance-export": lambda w: (
        reverse("compliance-export", args=["breaches", "csv"]),
        _all(403, admin=200, compliance=200, stranger=200),
    ),
    "finance": lambda w: (reverse("finance"), _all(403, admin=200, finance=200, stranger=200)),
    "finance-export": lambda w: (
        reverse("finance-export", args=["csv"]),
        _all(403, admin=200, finance=200, stranger=200),
    ),
    "scorecard-pdf": lambda w: (reverse("scorecard-pdf", args=[w.card.pk]), _all(405)),
    "job-status": lambda w: (reverse("job-status", args=[_job(w).pk]), READ_ONE),
    "job-download": lambda w: (reverse("job-download", args=[_job(w).pk]), READ_ONE),
    "manage": lambda w: (reverse("manage"), _all(403, admin=200, stranger=200)),
    "dispute-list": lambda w: (reverse("dispute-list"), READ_LIST),
    "dispute-detail": lambda w: (reverse("dispute-detail", args=[_dispute(w).pk]), READ_ONE),
    "dispute-step": lambda w: (reverse("dispute-step", args=[_dispute(w).pk, "answer"]), _all(405)),
    "dispute-attachment": lambda w: (
        reverse("dispute-attachment", args=[*_attachment(w)]),
        READ_ONE,
    ),
    "scorecard-acknowledge": lambda w: (
        reverse("scorecard-acknowledge", args=[w.card.pk]),
        _all(405),
    ),
    # the vendor side only: every practice role, the stranger too, is refused by role
    "scorecard-dispute": lambda w: (
        reverse("scorecard-dispute", args=[w.card.pk]),
        _all(403, vendor=200),
    ),
    "action-plan": lambda w: (reverse("action-plan", args=[w.item.pk]), _all(403, vendor=200)),
    "vendor-invite": lambda w: (reverse("vendor-invite"), _all(405)),
    # an altered link is refused for everyone (signed in or not); its own tests accept one
    "invitation-accept": lambda w: (reverse("invitation-accept", args=["x:y:z"]), _all(400)),
    "member-role": lambda w: (
        reverse("member-role", args=[w.users["viewer"].memberships.get().pk]),
        _all(405),
    ),
}


def test_every_page_is_in_the_table() -> None:
    assert sorted(pages() - set(PAGE_STATUS)) == [], "New pages: write their expected answers"
    assert sorted(set(PAGE_STATUS) - pages()) == []


@pytest.mark.parametrize("name", sorted(PAGE_STATUS))
def test_every_role_against_every_page(world: World, name: str) -> None:
    url, expected = PAGE_STATUS[name](world)
    if name == "job-download":
        from scorecard.services.jobs import job_run_scorecard_pdf

        job_run_scorecard_pdf(job_id=_job(world).pk)
    got = {role: signed_in(world.users[role]).get(url).status_code for role in ROLES}
    assert got == expected
    # Organization B's admin (the stranger) is in B: a page of B, never A's records.


MONEY_TEXT = ["15,000.00 USD", "300.00 USD", "6.00 %", "1,000.00 USD", "50,000.00 USD"]


@pytest.mark.parametrize("role", ["admin", "finance", "compliance", "viewer"])
def test_vendor_page_shows_prices_and_fees_only_to_money_roles(world: World, role: str) -> None:
    html = signed_in(world.users[role]).get(reverse("vendor-detail", args=[world.acme.pk]))
    text = html.content.decode()
    assert "Percent of collections" in text  # the pricing model is a term, not a price
    assert "10 % of the fee at risk" in text
    for money in MONEY_TEXT:
        assert (money in text) is (role in MONEY_ROLES), (role, money)
    assert ('<th scope="col">Fee</th>' in text) is (role in MONEY_ROLES)
    assert ('href="/finance/"' in text) is (role in MONEY_ROLES)


@pytest.mark.parametrize("role", ["admin", "finance", "compliance", "viewer"])
def test_compare_page_what_if_only_for_money_roles(world: World, role: str) -> None:
    query = {"vendor": [world.acme.pk, world.bolt.pk], "start": "2026-01", "end": "2026-01"}
    text = signed_in(world.users[role]).get(reverse("compare"), query).content.decode()
    assert "Average score" in text and "80.0" in text
    shown = role in MONEY_ROLES
    assert ("What if" in text) is shown
    assert ("15,000.00 USD" in text) is shown  # Acme's fee
    assert ("12,400.00 USD" in text) is shown  # Acme's volumes at Bolt's 3.10 a claim
    assert ("3.10 USD/claim" in text) is shown  # Bolt's price
    assert ("Fees, rates and what-if fees are shown to finance and administrators." in text) is (
        not shown
    )


def test_finance_page_refuses_other_roles_with_the_reason(world: World) -> None:
    response = signed_in(world.users["compliance"]).get(reverse("finance"))
    assert response.status_code == 403
    assert "Your role (Compliance) in Practice A does not allow this page." in (
        response.content.decode()
    )
    ok = signed_in(world.users["finance"]).get(reverse("finance"), {"end": "2026-01"})
    assert "15,000.00" in ok.content.decode() and "14,700.00" in ok.content.decode()


def test_exports_carry_money_columns_only_for_money_roles(world: World) -> None:
    finance = signed_in(world.users["finance"]).get(
        reverse("finance-export", args=["csv"]), {"end": "2026-01"}
    )
    # the months before January are measured too (no report: no payments, so no fee)
    missing = [f"Acme,2025-{m:02d},USD,,,,," for m in range(2, 13)]
    assert finance.content.decode("utf-8-sig").splitlines() == [
        "vendor,period,currency,fee,credit,net,effective_rate_percent,cost_per_claim",
        *missing,
        "Acme,2026-01,USD,15000.00,300.00,14700.00,6.0000,3.7500",
    ]
    breaches = signed_in(world.users["compliance"]).get(
        reverse("compliance-export", args=["breaches", "csv"]), {"end": "2026-01"}
    )
    assert breaches.content.decode("utf-8-sig").splitlines()[0] == (
        "vendor,period,kpi,value,benchmark,warning,unit"
    )


def test_page_pdf_download_is_the_roles_variant(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from scorecard.services.jobs import job_run_scorecard_pdf, pdf_job_request

    full = pdf_job_request(scorecard=world.card, variant=PdfVariant.FULL)
    job_run_scorecard_pdf(job_id=full.pk)
    viewer = signed_in(world.users["viewer"])
    refused = viewer.get(reverse("job-download", args=[full.pk]))
    assert refused.status_code == 403
    assert "This PDF holds fees and credits, which your role does not see" in (
        refused.content.decode()
    )
    assert (
        signed_in(world.users["finance"]).get(reverse("job-download", args=[full.pk])).status_code
        == 200
    )
    assert viewer.get(reverse("job-status", args=[full.pk])).status_code == 403
    assert signed_in(world.users["admin"]).get(
        reverse("job-status", args=[full.pk])
    ).status_code == (200)
    # the viewer's button makes the other variant; the vendor page then offers that one
    with django_capture_on_commit_callbacks(execute=True):
        made = viewer.post(reverse("scorecard-pdf", args=[world.card.pk]))
    assert made.status_code == 302
    bare = Job.objects.get(scorecard=world.card, variant=PdfVariant.NO_MONEY)
    assert made["Location"] == reverse("job-status", args=[bare.pk])
    page = viewer.get(reverse("vendor-detail", args=[world.acme.pk])).content.decode()
    assert reverse("job-download", args=[bare.pk]) in page
    assert reverse("job-download", args=[full.pk]) not in page
    finance_page = signed_in(world.users["finance"]).get(
        reverse("vendor-detail", args=[world.acme.pk])
    )
    assert reverse("job-download", args=[full.pk]) in finance_page.content.decode()
