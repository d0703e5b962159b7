"""Pages cost what they show: every page and every API list runs the same number of queries for a
small organization (3 vendors, 12 months) and a larger one (30 vendors, 36 months).

The pages and lists are read from the URL resolver (as ``tests/test_role_policy.py`` does), so a
new page or list without an entry in ``PAGE_URLS`` / ``API_LISTS`` fails
``test_every_page_and_list_has_a_pinned_count``. The organizations are built with bulk inserts
(no ingestion, no evaluation): what is measured is the reading, not the building.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils import timezone

from disputes.models import (
    ActionPlan,
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeItem,
)
from remittances.models import (
    ClaimAdjustment,
    ClaimPayment,
    PayeeMapping,
    RemittanceFile,
    ServiceLine,
)
from scorecard.models import (
    InAppNotification,
    Job,
    JobStatus,
    Notification,
    RemediationEvent,
    RemediationItem,
    Scorecard,
    ScorecardKPI,
    TerminationRight,
)
from tests.conftest import client_for
from tests.factories import ContractFactory, OrganizationFactory, member
from tests.test_role_policy import _walk, api_endpoints, pages
from vendors import periods as bd
from vendors.models import (
    ColumnAlias,
    Contract,
    Report,
    ReportFinding,
    ReportUpload,
    ReportValue,
    Role,
)

pytestmark = pytest.mark.django_db


@dataclass
class Org:
    """One organization built for counting: its admin, a vendor's records to open."""

    admin: Any
    contract: Contract
    item: RemediationItem
    job: Job
    card: Scorecard
    dispute: Dispute | None = None
    attachment: DisputeAttachment | None = None
    notification: InAppNotification | None = None


def _month_number(period: str) -> int:
    """Months since year 0: the data's pattern follows the calendar, not the history's length."""
    return int(period[:4]) * 12 + int(period[5:])


def _cards(contract: Contract, periods: list[str], now: dt.datetime) -> list[Scorecard]:
    """A current scorecard per period; every fourth month's report is missing, the rest late
    every third month."""
    cards = []
    reports = {r.period: r for r in Report.objects.filter(vendor=contract.vendor, is_current=True)}
    for period in periods:
        n = _month_number(period)
        report = None if n % 4 == 3 else reports[period]
        cards.append(
            Scorecard(
                organization=contract.organization,
                contract=contract,
                vendor=contract.vendor,
                period=period,
                revision=1,
                report=report,
                report_late=report is None or n % 3 == 0,
                report_due_date=bd.period_bounds(period)[1] + dt.timedelta(days=10),
                inputs_sha256=hashlib.sha256(f"{contract.pk}{period}".encode()).hexdigest(),
                overall_score=D("80.00"),
                standing="Good",
                fee=D("1000.00"),
                credit=D("10.00"),
                effective_rate=D("6.0000"),
                cost_per_claim=D("3.7500"),
                snapshot={"findings": ["x" * 200] * 20},
                issued_at=now,
            )
        )
    return Scorecard.objects.bulk_create(cards)


def _reports(contract: Contract, periods: list[str], now: dt.datetime) -> None:
    vendor = contract.vendor
    uploads = ReportUpload.objects.bulk_create(
        [
            ReportUpload(
                organization=vendor.organization,
                file=f"reports/{vendor.slug}_{p}.csv",
                file_name=f"{vendor.slug}_{p}.csv",
                sha256=hashlib.sha256(f"{vendor.pk}{p}".encode()).hexdigest(),
                size_bytes=10,
                source="csv",
                received_at=now,
            )
            for p in periods
        ]
    )
    reports = Report.objects.bulk_create(
        [
            Report(
                organization=vendor.organization,
                vendor=vendor,
                period=p,
                version=1,
                upload=u,
                received_at=now,
            )
            for p, u in zip(periods, uploads, strict=True)
        ]
    )
    ReportValue.objects.bulk_create(
        [
            ReportValue(report=r, field="days_in_ar", value=D("40"), stated_value=D("40"))
            for r in reports
        ]
    )
    ReportFinding.objects.bulk_create(
        [ReportFinding(report=r, code="mismatch", message="stated differs") for r in reports]
    )


def _kpi_rows(contract: Contract, cards: list[Scorecard]) -> None:
    terms = list(contract.sla_terms.select_related("kpi").order_by("kpi__display_order"))
    rows = []
    for card in cards:
        n = _month_number(card.period)
        for order, term in enumerate(terms):
            status = "breach" if (n + order) % 5 == 0 else "meets"
            rows.append(
                ScorecardKPI(
                    scorecard=card,
                    kpi_code=term.kpi.code,
                    kpi_name=term.kpi.name,
                    unit=term.kpi.unit,
                    direction=term.kpi.direction,
                    benchmark=term.benchmark,
                    warning=term.warning,
                    weight=term.weight,
                    value=D("40"),
                    status=status,
                    points=D("100"),
                    display_order=order,
                )
            )
    ScorecardKPI.objects.bulk_create(rows)


def _attention(contract: Contract, cards: list[Scorecard], now: dt.datetime) -> tuple[Any, Any]:
    """Two open remediation items with their events, a termination right and a finished job."""
    terms = list(contract.sla_terms.select_related("kpi").order_by("kpi__display_order"))[:2]
    items = RemediationItem.objects.bulk_create(
        [
            RemediationItem(
                organization=contract.organization,
                contract=contract,
                vendor=contract.vendor,
                kpi=term.kpi,
                kind="breach",
                status="open",
                opened_period=cards[-1].period,
                cure_deadline=dt.date(2027, 1, 31),
            )
            for term in terms
        ]
    )
    RemediationEvent.objects.bulk_create(
        [
            RemediationEvent(item=i, from_status="", to_status="open", at=now, reason="breach")
            for i in items
        ]
    )
    TerminationRight.objects.create(
        organization=contract.organization,
        contract=contract,
        vendor=contract.vendor,
        kpi=terms[0].kpi,
        periods=[c.period for c in cards[-3:]],
        raised_at=now,
    )
    ColumnAlias.objects.create(
        vendor=contract.vendor, header="DAR", normalized="dar", target="days_in_ar", scale=""
    )
    job = Job.objects.create(
        organization=contract.organization,
        kind="scorecard_pdf",
        key=f"pdf:{cards[-1].pk}",
        scorecard=cards[-1],
        period=cards[-1].period,
        variant="full",
        status=JobStatus.DONE,
        progress=100,
        file=f"pdf/{cards[-1].pk}.pdf",
    )
    return items[0], job


def _evidence(contract: Contract, cards: list[Scorecard], now: dt.datetime) -> None:
    """A remittance file of the newest month with two claims (one denied), lines and
    adjustments, and the vendor's payee mapping."""
    vendor, period = contract.vendor, cards[-1].period
    pay_day = bd.period_bounds(period)[0] + dt.timedelta(days=9)
    rf = RemittanceFile.objects.create(
        organization=vendor.organization,
        file=f"remittances/{vendor.slug}.835",
        file_name=f"{vendor.slug}.835",
        sha256=hashlib.sha256(vendor.slug.encode()).hexdigest(),
        size_bytes=100,
        received_at=now,
        interchange_control_number="000000001",
        transaction_count=1,
        claim_count=2,
        payer_name="Acme Health",
        payment_date_min=pay_day,
        payment_date_max=pay_day,
    )
    PayeeMapping.objects.create(
        organization=vendor.organization,
        id_qualifier="XX",
        payee_id=f"{vendor.pk:010d}",
        payee_name=vendor.name,
        vendor=vendor,
    )
    for n, (status, paid) in enumerate([("1", 8000), ("4", 0)]):
        claim = ClaimPayment.objects.create(
            organization=vendor.organization,
            remittance_file=rf,
            vendor=vendor,
            period=period,
            transaction_set_control_number="0001",
            payer_name="Acme Health",
            payee_id_qualifier="XX",
            payee_id=f"{vendor.pk:010d}",
            patient_control_number=f"PCN{n}",
            status_code=status,
            charge_cents=10000,
            payment_cents=paid,
            payment_date=pay_day,
            sequence=n,
        )
        line = ServiceLine.objects.create(
            claim=claim,
            line_number=1,
            procedure_code="HC:99213",
            charge_cents=10000,
            payment_cents=paid,
        )
        ClaimAdjustment.objects.create(
            claim=claim,
            line=line,
            group_code="CO",
            carc="45" if paid else "16",
            amount_cents=10000 - paid,
        )


def _dispute(
    contract: Contract, card: Scorecard, item: RemediationItem, admin: Any, now: dt.datetime
) -> tuple[Dispute, DisputeAttachment, InAppNotification]:
    """An open dispute of the newest scorecard with its item, event and attachment; an action
    plan on the remediation item; an in-app notification for the administrator."""
    dispute = Dispute.objects.create(
        organization=contract.organization,
        vendor=contract.vendor,
        scorecard=card,
        period=card.period,
        reason="counted twice",
        status="open",
        opened_by=admin,
        opened_by_name="admin",
        opened_at=now,
    )
    DisputeItem.objects.create(
        dispute=dispute,
        kpi_code="days_in_ar",
        kpi_name="Days in A/R",
        unit="days",
        scorecard_value=D("40"),
        disputed_value=D("38"),
        reason="counted twice",
    )
    DisputeEvent.objects.create(
        dispute=dispute,
        to_status="open",
        actor=admin,
        actor_name="admin",
        at=now,
        reason="counted twice",
    )
    attachment = DisputeAttachment.objects.create(
        dispute=dispute,
        file=f"disputes/{dispute.pk}.txt",
        name="proof.txt",
        size_bytes=5,
        sha256="0" * 64,
        uploaded_by=admin,
        uploaded_at=now,
    )
    ActionPlan.objects.create(
        organization=contract.organization,
        item=item,
        text="more staff",
        submitted_by=admin,
        submitted_by_name="admin",
        submitted_at=now,
    )
    event = Notification.objects.create(
        organization=contract.organization,
        key=f"test:{dispute.pk}",
        kind="dispute_opened",
        subject="Dispute",
        recipients=[],
        sent_at=now,
    )
    note = InAppNotification.objects.create(
        organization=contract.organization,
        event=event,
        recipient=admin,
        kind="dispute_opened",
        text="Dispute",
        link="/",
        created=now,
    )
    return dispute, attachment, note


def build(settings: Any, vendors: int, months: int) -> Org:
    """An organization of ``vendors`` vendors, each measured for the ``months`` closed months."""
    settings.RESCORE_TASK = ""
    org = OrganizationFactory()
    admin = member(org, Role.ADMIN)
    last = bd.previous_period(bd.period_of(timezone.localdate()))
    periods = bd.periods_ending(last, months)
    now = timezone.now()
    first = None
    for n in range(vendors):
        contract: Contract = ContractFactory(  # type: ignore[assignment]
            vendor__organization=org,
            vendor__name=f"Vendor {n:03d}",
            vendor__slug=f"vendor-{n:03d}",
            start_date=bd.period_bounds(periods[0])[0],
        )
        _reports(contract, periods, now)
        cards = _cards(contract, periods, now)
        _kpi_rows(contract, cards)
        item, job = _attention(contract, cards, now)
        _evidence(contract, cards, now)
        dispute, attachment, note = _dispute(contract, cards[-1], item, admin, now)
        if first is None:
            first = Org(
                admin=admin,
                contract=contract,
                item=item,
                job=job,
                card=cards[-1],
                dispute=dispute,
                attachment=attachment,
                notification=note,
            )
    assert first is not None
    (settings.MEDIA_ROOT / "pdf").mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / first.job.file).write_bytes(b"%PDF-1.4 test")
    (settings.MEDIA_ROOT / "disputes").mkdir(parents=True, exist_ok=True)
    assert first.attachment is not None
    (settings.MEDIA_ROOT / first.attachment.file.name).write_bytes(b"proof")
    return first


PageURL = Callable[[Org], str]

# Every page, with the URL that opens it for one vendor's records.
PAGE_URLS: dict[str, PageURL] = {
    "dashboard": lambda o: reverse("dashboard"),
    "organization-switch": lambda o: reverse("organization-switch"),
    "vendor-list": lambda o: reverse("vendor-list"),
    "vendor-create": lambda o: reverse("vendor-create"),
    "vendor-detail": lambda o: reverse("vendor-detail", args=[o.contract.vendor_id]),
    "vendor-edit": lambda o: reverse("vendor-edit", args=[o.contract.vendor_id]),
    "vendor-trend": lambda o: reverse("vendor-trend", args=[o.contract.vendor_id, "days_in_ar"]),
    "contract-create": lambda o: reverse("contract-create", args=[o.contract.vendor_id]),
    "aliases": lambda o: reverse("aliases", args=[o.contract.vendor_id]),
    "contract-amend": lambda o: reverse("contract-amend", args=[o.contract.pk]),
    "contract-terms": lambda o: reverse("contract-terms", args=[o.contract.pk]),
    "compare": lambda o: reverse("compare") + "?vendor=vendor-000&vendor=vendor-001",
    "upload": lambda o: reverse("upload"),
    "upload-confirm": lambda o: reverse("upload-confirm"),
    "remediation-board": lambda o: reverse("remediation-board"),
    "remediation-transition": lambda o: reverse("remediation-transition", args=[o.item.pk]),
    "compliance": lambda o: reverse("compliance"),
    "compliance-export": lambda o: reverse("compliance-export", args=["breaches", "csv"]),
    "finance": lambda o: reverse("finance"),
    "finance-export": lambda o: reverse("finance-export", args=["csv"]),
    "scorecard-pdf": lambda o: reverse("scorecard-pdf", args=[o.card.pk]),
    "job-status": lambda o: reverse("job-status", args=[o.job.pk]),
    "job-download": lambda o: reverse("job-download", args=[o.job.pk]),
    "manage": lambda o: reverse("manage"),
    "audit": lambda o: reverse("audit"),
    "audit-export": lambda o: reverse("audit-export"),
    "password_change": lambda o: reverse("password_change"),
    "password_change_done": lambda o: reverse("password_change_done"),
    "member-role": lambda o: reverse("member-role", args=[o.admin.memberships.get().pk]),
    "vendor-denials": lambda o: reverse(
        "vendor-denials", args=[o.contract.vendor_id, o.card.period]
    ),
    "vendor-denials-png": lambda o: reverse(
        "vendor-denials-png", args=[o.contract.vendor_id, o.card.period]
    ),
    "scorecard-page": lambda o: reverse(
        "scorecard-page", args=[o.contract.vendor_id, o.card.period]
    ),
    "denial-work": lambda o: reverse("denial-work", args=[o.contract.vendor_id, o.card.period]),
    "denial-work-sla-png": lambda o: reverse(
        "denial-work-sla-png", args=[o.contract.vendor_id, o.card.period]
    ),
    "denial-work-ageing-png": lambda o: reverse(
        "denial-work-ageing-png", args=[o.contract.vendor_id, o.card.period]
    ),
    "vendor-invite": lambda o: reverse("vendor-invite"),
    "invitation-accept": lambda o: reverse("invitation-accept", args=["not-a-token"]),
    "dispute-list": lambda o: reverse("dispute-list"),
    "dispute-detail": lambda o: reverse("dispute-detail", args=[_pk(o.dispute)]),
    "dispute-step": lambda o: reverse("dispute-step", args=[_pk(o.dispute), "answer"]),
    "dispute-attachment": lambda o: reverse(
        "dispute-attachment", args=[_pk(o.dispute), _pk(o.attachment)]
    ),
    "scorecard-acknowledge": lambda o: reverse("scorecard-acknowledge", args=[o.card.pk]),
    "scorecard-dispute": lambda o: reverse("scorecard-dispute", args=[o.card.pk]),
    "action-plan": lambda o: reverse("action-plan", args=[o.item.pk]),
    "notifications-page": lambda o: reverse("notifications-page"),
    "notifications-page-read-all": lambda o: reverse("notifications-page-read-all"),
    "notification-page-read": lambda o: reverse(
        "notification-page-read", args=[_pk(o.notification)]
    ),
    "notification-preferences": lambda o: reverse("notification-preferences"),
}


def _pk(record: Any) -> int:
    assert record is not None
    return int(record.pk)


# Every API list (a GET without a record id).
API_LISTS = [
    "vendor-list",
    "contract-list",
    "kpi-list",
    "report-list",
    "column-alias-list",
    "audit-list",
    "scorecard-list",
    "remediation-list",
    "remittance-list",
    "claim-payment-list",
    "payee-mapping-list",
    "carc-category-list",
    "dispute-list",
    "notification-list",
    "denial-work-measures-list",
]


def api_list_routes() -> dict[str, str]:
    """The path of every API list (the API's ``vendor-list`` shares its name with a page)."""
    return {
        p.name: "/" + route.replace("^", "").replace("$", "")
        for route, p in _walk(get_resolver().url_patterns)
        if route.startswith("api/") and p.name in API_LISTS
    }


def test_every_page_and_list_has_a_pinned_count() -> None:
    assert sorted(pages() ^ set(PAGE_URLS)) == [], "New page: pin its query count here"
    lists = {name for name, method in api_endpoints() if name.endswith("-list")}
    assert sorted(lists ^ set(API_LISTS)) == [], "New API list: pin its query count here"


def _count(client: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, len(queries)


def _counts(o: Org) -> dict[str, tuple[int, int]]:
    page_client = Client()
    page_client.force_login(o.admin)
    api = client_for(o.admin)
    counts = {f"page {name}": _count(page_client, url(o)) for name, url in PAGE_URLS.items()}
    for name, route in api_list_routes().items():
        counts[f"api {name}"] = _count(api, route)
    return counts


def test_every_page_and_list_costs_the_same_at_two_sizes(settings: Any) -> None:
    small = _counts(build(settings, vendors=3, months=12))
    large = _counts(build(settings, vendors=30, months=36))
    assert {k: v[0] for k, v in small.items()} == {k: v[0] for k, v in large.items()}
    differ = {k: (small[k][1], large[k][1]) for k in small if small[k] != large[k]}
    assert differ == {}


class RowCounter:
    """Counts the rows every SELECT returns, by running it again as ``SELECT COUNT(*)``, and
    remembers the SQL (to see which columns a page reads)."""

    def __init__(self) -> None:
        self.rows = 0
        self.sql: list[str] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not many and sql.lstrip().upper().startswith("SELECT"):
            self.sql.append(sql)
            raw = connection.create_cursor()
            try:
                raw.execute(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)
                self.rows += raw.fetchone()[0]
            finally:
                raw.close()
        return result


def _rows(o: Org) -> dict[str, tuple[int, list[str]]]:
    """Rows read and SQL run by each page for the admin."""
    page_client = Client()
    page_client.force_login(o.admin)
    out = {}
    for name, url in PAGE_URLS.items():
        counter = RowCounter()
        with connection.execute_wrapper(counter):
            page_client.get(url(o))
        out[name] = (counter.rows, counter.sql)
    return out


# A key read: the column as a JSON function's argument (SQLite's JSON_TYPE/JSON_EXTRACT(col, path))
# or PostgreSQL's ``col -> key``; a whole-column read is the column in the select list.
KEY_READS = re.compile(r""""scorecard_scorecard"\."snapshot"(, (%s|'[^']*')| -> )""")


def _no_key_reads(sql: str) -> str:
    """The SQL without its reads of one key of a scorecard's snapshot."""
    return KEY_READS.sub("", sql)


SNAPSHOT_READERS = {"scorecard-page"}


def test_pages_read_the_same_rows_whatever_the_history(settings: Any) -> None:
    """Five or eight years of history: every page reads the same number of rows (the newest
    scorecard per vendor, the bounded lists, twelve months of finance and compliance), and no
    page reads a scorecard's JSON snapshot."""
    short = _rows(build(settings, vendors=3, months=64))
    long = _rows(build(settings, vendors=3, months=96))
    assert {k: v[0] for k, v in short.items()} == {k: v[0] for k, v in long.items()}
    # One key of the snapshot (the vendor page's evidence) is read in the database, never the
    # whole document.
    # The scorecard page shows one revision as its PDF does (findings, evidence, frozen terms):
    # it reads that revision's snapshot and its predecessor's, two documents whatever the history.
    snapshots = {
        k: [q for q in v[1] if '"snapshot"' in _no_key_reads(q)]
        for k, v in long.items()
        if k not in SNAPSHOT_READERS
    }
    assert {k: v for k, v in snapshots.items() if v} == {}
