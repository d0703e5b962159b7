"""Isolation of a vendor user: every record of another vendor, of the same organization or of
another one, answers 404 on every endpoint and page, with every method; lists never show them.

The endpoints and pages come from the URL resolver (as in ``tests/test_role_policy.py``): a new
one that names a record (``pk``) fails ``test_every_record_route_is_in_the_table`` until it is
written into ``RECORD`` below. The number of requests checked is printed (``-s``) and kept in
``CHECKED`` for the lead's note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scorecard.models import Job, RemediationItem, Scorecard
from scorecard.services.evaluation import evaluate
from tests.conftest import client_for
from tests.factories import ContractFactory, member
from tests.scorecard.helpers import report
from tests.test_role_policy import _methods, _walk
from vendors.models import ColumnAlias, KPIDefinition, Membership, Role, Vendor
from vendors.policy import PdfVariant

pytestmark = pytest.mark.django_db


@dataclass
class Side:
    """One vendor's records: the vendor user's own (X), or someone else's (Y, Z)."""

    vendor: Vendor
    contract: Any
    report: Any
    card: Scorecard
    item: RemediationItem
    alias: ColumnAlias
    job: Job
    membership: Membership
    kpi: KPIDefinition | None
    admin: Any  # an administrator of the side's organization (the control: the record exists)


def _side(org: Any, slug: str, name: str, *, kpi: bool = False) -> Side:
    contract = ContractFactory(
        vendor__organization=org,
        vendor__slug=slug,
        vendor__name=name,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 31),
    )
    vendor = contract.vendor
    rep = report(vendor, "2026-01", days_in_ar=D("60"))  # a breach: a remediation item
    evaluate(vendor_ids=[vendor.pk])
    card = Scorecard.objects.get(vendor=vendor, period="2026-01")
    from scorecard.services.jobs import pdf_job_request

    pdf_job_request(scorecard=card, variant=PdfVariant.FULL)  # the administrators' variant
    user = member(org, Role.VENDOR, vendor=vendor, user__username=f"{slug}-user")
    admin = Membership.objects.filter(organization=org, role=Role.ADMIN).first()
    return Side(
        vendor=vendor,
        contract=contract,
        report=rep,
        card=card,
        item=RemediationItem.objects.get(vendor=vendor),
        alias=ColumnAlias.objects.create(
            vendor=vendor, header=f"{name} DAR", normalized=f"{slug} dar", target="days_in_ar"
        ),
        job=pdf_job_request(scorecard=card, variant=PdfVariant.NO_MONEY),
        membership=user.memberships.get(),
        kpi=KPIDefinition.objects.create(
            organization=org,
            code=f"{slug}_kpi",
            name=f"{name} KPI",
            unit="percent",
            direction="higher",
            source="test",
        )
        if kpi
        else None,
        admin=admin.user if admin else member(org, Role.ADMIN),
    )


@dataclass
class World:
    me: Any
    x: Side  # the vendor user's own vendor, organization A
    y: Side  # another vendor of organization A
    z: Side  # a vendor of organization B


@pytest.fixture
def world(org: Any, other_org: Any, settings: Any) -> World:
    settings.RESCORE_TASK = ""
    member(org, Role.ADMIN, user__username="a-admin")
    member(other_org, Role.ADMIN, user__username="b-admin")
    x = _side(org, "xylo", "Xylo Coding")
    y = _side(org, "yonder", "Yonder Billing")
    z = _side(other_org, "zephyr", "Zephyr Revenue", kpi=True)
    from scorecard.services.jobs import job_run_scorecard_pdf

    for side in (y, z):  # their PDFs exist: a download is refused for being theirs
        job_run_scorecard_pdf(job_id=side.job.pk)
    return World(me=x.membership.user, x=x, y=y, z=z)


def _dispute(s: Side) -> Any:
    """The side's dispute of its card, opened by its vendor user (once)."""
    from disputes.models import Dispute
    from disputes.services.disputes import dispute_open

    return Dispute.objects.filter(scorecard=s.card).first() or dispute_open(
        scorecard=s.card,
        actor=s.membership.user,
        reason="counted twice",
        items=[{"kpi": "days_in_ar", "reason": "counted twice"}],
    )


def _file(s: Side) -> Any:
    """The side's dispute's file (once)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from disputes.models import DisputeAttachment
    from disputes.services.disputes import dispute_attach

    dispute = _dispute(s)
    return DisputeAttachment.objects.filter(dispute=dispute).first() or dispute_attach(
        dispute=dispute, upload=SimpleUploadedFile("a.txt", b"a"), actor=s.membership.user
    )


def _mapping(s: Side) -> Any:
    """The side's vendor's payee mapping (once)."""
    from remittances.models import PayeeMapping

    return PayeeMapping.objects.get_or_create(
        organization=s.vendor.organization,
        id_qualifier="XX",
        payee_id=f"{s.vendor.pk:010d}",
        defaults={"payee_name": s.vendor.name, "vendor": s.vendor},
    )[0]


def _claim(s: Side) -> Any:
    """A claim payment of the side's vendor in a remittance file of its organization (once)."""
    import datetime as dt
    import hashlib

    from django.utils import timezone

    from remittances.models import ClaimPayment, RemittanceFile

    found = ClaimPayment.objects.filter(vendor=s.vendor).first()
    if found is not None:
        return found
    mapping = _mapping(s)
    rf = RemittanceFile.objects.create(
        organization=s.vendor.organization,
        file=f"remittances/{s.vendor.slug}.835",
        file_name=f"{s.vendor.slug}.835",
        sha256=hashlib.sha256(s.vendor.slug.encode()).hexdigest(),
        size_bytes=100,
        received_at=timezone.now(),
        interchange_control_number="000000001",
        transaction_count=1,
        claim_count=1,
    )
    return ClaimPayment.objects.create(
        organization=s.vendor.organization,
        remittance_file=rf,
        vendor=s.vendor,
        period="2026-01",
        transaction_set_control_number="0001",
        payee_id_qualifier=mapping.id_qualifier,
        payee_id=mapping.payee_id,
        patient_control_number="PCN1",
        status_code="4",
        charge_cents=10000,
        payment_cents=0,
        payment_date=dt.date(2026, 1, 10),
        sequence=0,
    )


def _carc(s: Side) -> Any:
    """The side's organization's own CARC row (once)."""
    from remittances.models import CarcRule

    return CarcRule.objects.get_or_create(
        organization=s.vendor.organization,
        carc="16",
        group_code="CO",
        defaults={"category": "billing_submission", "responsible_party": "vendor"},
    )[0]


def _note(s: Side) -> Any:
    """An in-app notification of the side's administrator (once)."""
    from django.utils import timezone

    from scorecard.models import InAppNotification, Notification

    event = Notification.objects.get_or_create(
        organization=s.vendor.organization,
        key=f"isolation:{s.vendor.pk}",
        defaults={"kind": "breach", "subject": "x", "recipients": [], "sent_at": timezone.now()},
    )[0]
    return InAppNotification.objects.get_or_create(
        organization=s.vendor.organization,
        event=event,
        recipient=s.admin,
        defaults={"kind": "breach", "text": "x", "link": "/", "created": timezone.now()},
    )[0]


# URL name -> the route's arguments for a side's record (None: that side has no such record).
RECORD: dict[str, Callable[[Side], dict[str, Any] | None]] = {
    # API
    "vendor-detail": lambda s: {"pk": s.vendor.pk},
    "contract-detail": lambda s: {"pk": s.contract.pk},
    "contract-amend": lambda s: {"pk": s.contract.pk},
    "contract-terms": lambda s: {"pk": s.contract.pk},
    "kpi-detail": lambda s: None if s.kpi is None else {"pk": s.kpi.pk},
    "report-detail": lambda s: {"pk": s.report.pk},
    "column-alias-detail": lambda s: {"pk": s.alias.pk},
    "api-scorecard-pdf": lambda s: {"pk": s.card.pk},
    "api-job-detail": lambda s: {"pk": s.job.pk},
    "scorecard-detail": lambda s: {"pk": s.card.pk},
    "scorecard-what-if": lambda s: {"pk": s.card.pk},
    "remediation-detail": lambda s: {"pk": s.item.pk},
    "remediation-transition": lambda s: {"pk": s.item.pk},
    # pages (vendor-detail, contract-amend and remediation-transition share the API's names)
    "vendor-edit": lambda s: {"pk": s.vendor.pk},
    "vendor-trend": lambda s: {"pk": s.vendor.pk, "code": "days_in_ar"},
    "contract-create": lambda s: {"pk": s.vendor.pk},
    "aliases": lambda s: {"pk": s.vendor.pk},
    "scorecard-pdf": lambda s: {"pk": s.card.pk},
    "job-status": lambda s: {"pk": s.job.pk},
    "job-download": lambda s: {"pk": s.job.pk},
    "member-role": lambda s: {"pk": s.membership.pk},
    # disputes (the disputes app): each side's own dispute of its card, and its file
    "dispute-detail": lambda s: {"pk": _dispute(s).pk},
    "dispute-answer": lambda s: {"pk": _dispute(s).pk},
    "dispute-accept": lambda s: {"pk": _dispute(s).pk},
    "dispute-reject": lambda s: {"pk": _dispute(s).pk},
    "dispute-attachments": lambda s: {"pk": _dispute(s).pk},
    "api-dispute-attachment": lambda s: {"pk": _dispute(s).pk, "attachment": _file(s).pk},
    "api-scorecard-acknowledge": lambda s: {"pk": s.card.pk},
    "api-remediation-action-plan": lambda s: {"pk": s.item.pk},
    "dispute-step": lambda s: {"pk": _dispute(s).pk, "step": "answer"},
    "dispute-attachment": lambda s: {"pk": _dispute(s).pk, "attachment": _file(s).pk},
    "scorecard-acknowledge": lambda s: {"pk": s.card.pk},
    "scorecard-dispute": lambda s: {"pk": s.card.pk},
    "action-plan": lambda s: {"pk": s.item.pk},
    # the payers' evidence (remittances app) and the organization's CARC table
    "remittance-detail": lambda s: {"pk": _claim(s).remittance_file_id},
    "claim-payment-detail": lambda s: {"pk": _claim(s).pk},
    "payee-mapping-detail": lambda s: {"pk": _mapping(s).pk},
    # organization data, not a vendor's: only the other organization's row is another's record
    # (the side with its own KPI, as for kpi-detail)
    "carc-category-detail": lambda s: None if s.kpi is None else {"pk": _carc(s).pk},
    "vendor-denials": lambda s: {"pk": s.vendor.pk, "period": "2026-01"},
    "vendor-denials-png": lambda s: {"pk": s.vendor.pk, "period": "2026-01"},
    "denial-work-measures-detail": lambda s: {"pk": _measures(s).pk},
    "denial-work": lambda s: {"pk": s.vendor.pk, "period": "2026-01"},
    "scorecard-page": lambda s: {"pk": s.vendor.pk, "period": s.card.period},
    "denial-work-sla-png": lambda s: {"pk": s.vendor.pk, "period": "2026-01"},
    "denial-work-ageing-png": lambda s: {"pk": s.vendor.pk, "period": "2026-01"},
    # in-app notifications: the side's administrator's own
    "notification-read": lambda s: {"pk": _note(s).pk},
    "notification-page-read": lambda s: {"pk": _note(s).pk},
}


def _measures(s: Side) -> Any:
    """The side's denial-work measures of 2026-01 (one log, made once)."""
    from django.utils import timezone

    from worklogs.models import DenialLog, DenialWorkMeasures

    found = DenialWorkMeasures.objects.filter(vendor=s.vendor).first()
    if found is not None:
        return found
    log = DenialLog.objects.create(
        organization=s.vendor.organization,
        vendor=s.vendor,
        period="2026-01",
        version=1,
        file="denial-logs/x.csv",
        file_name="x.csv",
        sha256="0" * 64,
        size_bytes=1,
        source="csv",
        layout="per_denial",
        denial_count=1,
        touch_count=1,
        received_at=timezone.now(),
    )
    return DenialWorkMeasures.objects.create(
        log=log,
        organization=s.vendor.organization,
        vendor=s.vendor,
        period="2026-01",
        computed_at=timezone.now(),
        denials_received=1,
        denials_open_at_end=0,
        denials_resolved=1,
    )


# Routes whose URL carries an argument that names no record of an organization.
NOT_RECORDS = {
    "compliance-export",  # table and format
    "finance-export",  # format
    "invitation-accept",  # the signed token is the invitee's credential, not a member's record
}
PAGE_METHODS = ("get", "post")
CHECKED: dict[str, int] = {}


def _routes() -> list[tuple[bool, str, Any, str]]:
    """(is API, name, pattern, route) of every endpoint and page."""
    from django.urls import get_resolver

    return [
        (route.startswith("api/"), p.name, p, route)
        for route, p in _walk(get_resolver().url_patterns)
        if not route.startswith(("admin/", "login/", "logout/"))
    ]


def _fill(route: str, kwargs: dict[str, Any]) -> str:
    """The URL of a route (regex or path syntax) with its arguments: a page and an endpoint may
    share a name (``vendor-list``), so the route, not ``reverse``, says which one is meant."""
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "")


def _has_arguments(pattern: Any) -> bool:
    return bool(pattern.pattern.regex.groupindex)


def test_every_record_route_is_in_the_table() -> None:
    named = {name for _, name, p, _ in _routes() if _has_arguments(p)}
    assert sorted(named - set(RECORD) - NOT_RECORDS) == [], "write the record each route names"
    assert sorted(set(RECORD) - named) == []


def _url(name: str, side: Side, route: str) -> str | None:
    kwargs = RECORD[name](side)
    return None if kwargs is None else _fill(route, kwargs)


def _answer(client: Any, method: str, url: str) -> int:
    response = (
        getattr(client, method)(url, {}, format="json")
        if hasattr(client, "credentials")
        else (getattr(client, method)(url, {}))
    )
    return response.status_code


def test_vendor_user_gets_404_for_every_other_record(world: World) -> None:
    api, pages = client_for(world.me), Client()
    pages.force_login(world.me)
    checked, refused = 0, []
    for is_api, name, pattern, route in _routes():
        if not _has_arguments(pattern) or name in NOT_RECORDS:
            continue
        methods = sorted(_methods(pattern)) if is_api else PAGE_METHODS
        client = api if is_api else pages
        for side in (world.y, world.z):
            url = _url(name, side, route)
            if url is None:
                continue
            # control: the record exists and the route works (its organization's administrator)
            admin = client_for(side.admin) if is_api else Client()
            if not is_api:
                admin.force_login(side.admin)
            assert _answer(admin, "get", url) != 404, (name, url)
            for method in methods:
                status = _answer(client, method, url)
                if status == 405:  # the view takes no such method, whatever the record
                    own = _url(name, world.x, route)
                    assert own is not None and _answer(client, method, own) == 405
                    continue
                checked += 1
                if status != 404:
                    refused.append((name, method, url, status))
    assert refused == []
    CHECKED["records"] = checked
    print(f"\nvendor isolation: {checked} requests for other vendors' records, all 404")
    assert checked >= 60


MARKERS = ("yonder", "Yonder", "zephyr", "Zephyr")


def test_lists_show_only_the_vendor_users_own_rows(world: World) -> None:
    api, pages = client_for(world.me), Client()
    pages.force_login(world.me)
    checked, leaks = 0, []
    for is_api, name, pattern, route in _routes():
        if _has_arguments(pattern):
            continue
        url = _fill(route, {})
        client = api if is_api else pages
        queries: list[dict[str, Any]] = [{}]
        if is_api and name.endswith("-list"):
            # a filter naming another vendor (slug or id) shows nothing of it either
            queries += [{"vendor": "yonder"}, {"vendor": world.y.vendor.pk}, {"vendor": "zephyr"}]
        for query in queries:
            response = client.get(url, query)
            checked += 1
            assert response.status_code in (200, 400, 403, 405), (name, query)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            found = [m for m in MARKERS if m in text]
            if found:
                leaks.append((name, query, found))
    assert leaks == []
    # and the lists do show the vendor user's own rows
    mine = api.get("/api/v1/scorecards/").json()["results"]
    assert [c["id"] for c in mine] == [world.x.card.pk]
    vendors = api.get("/api/v1/vendors/").json()["results"]
    assert [v["slug"] for v in vendors] == ["xylo"]
    dashboard = pages.get(reverse("dashboard")).content.decode()
    assert "Xylo Coding" in dashboard
    CHECKED["lists"] = checked
    print(f"\nvendor isolation: {checked} list requests, none shows another vendor")


def test_own_records_are_seen(world: World) -> None:
    api = client_for(world.me)
    for url in (
        f"/api/v1/vendors/{world.x.vendor.pk}/",
        f"/api/v1/contracts/{world.x.contract.pk}/",
        f"/api/v1/reports/{world.x.report.pk}/",
        f"/api/v1/scorecards/{world.x.card.pk}/",
        f"/api/v1/remediations/{world.x.item.pk}/",
        f"/api/v1/jobs/{world.x.job.pk}/",
    ):
        assert api.get(url).status_code == 200, url
    contract = api.get(f"/api/v1/contracts/{world.x.contract.pk}/").json()
    assert "notes" not in contract and "percent_of_collections" not in contract
    assert contract["vendor_slug"] == "xylo"
    pages = Client()
    pages.force_login(world.me)
    assert pages.get(reverse("vendor-detail", args=[world.x.vendor.pk])).status_code == 200
