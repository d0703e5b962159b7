"""Every change re-scores (domain.md section 4): a new report version, a contract amendment or
edit, an SLA term change, a KPI definition change and a holiday-list change each queue, after
commit, new revisions of exactly the affected scorecards; nobody runs ``evaluate``. Issued
revisions never change, and alerts follow the newest revision."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import pytest
from django.urls import reverse

from scorecard import page_selectors as reads
from scorecard.models import Job, JobStatus, RemediationItem, Scorecard, TerminationRight
from scorecard.services import jobs
from scorecard.services.evaluation import evaluate
from tests.conftest import client_for
from tests.factories import ContractFactory, member
from vendors import selectors, services
from vendors.models import PendingRescore, Role, SLATerm
from vendors.services import holidays
from vendors.services.reports import report_ingest

pytestmark = pytest.mark.django_db
HEADER = (
    "period,first_pass_acceptance_rate,denial_rate,days_in_ar,net_collection_rate,"
    "coding_turnaround_hours,resubmission_turnaround_business_days,payments\n"
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    """2026-05-20: April 2026's report was due on 14 May; May's is not due yet."""
    time_machine.move_to(dt.datetime(2026, 5, 20, 12, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what each change queues after its commit, as a worker would (eager in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def send(vendor, period: str, days_in_ar: str = "35", received_day: int = 3) -> None:
    """A vendor's report file through the ingestion service (on time unless told)."""
    year, month = int(period[:4]), int(period[5:])
    received = dt.datetime(year + month // 12, month % 12 + 1, received_day, 12, tzinfo=dt.UTC)
    row = f"{period},96,7,{days_in_ar},97,40,1.5,100000\n"
    report_ingest(
        organization=vendor.organization,
        vendor=vendor,
        content=(HEADER + row).encode(),
        file_name=f"{vendor.slug}_{period}_{days_in_ar}.csv",
        received_at=received,
    )


@pytest.fixture
def acme(org, committing):
    """Acme, contract from January 2026, reports January to April (days in A/R 60, 58, 57, 35:
    breach three months in a row), stored together and re-scored on their commit."""
    with committing():
        contract = ContractFactory(
            vendor__organization=org,
            vendor__slug="acme",
            vendor__name="Acme",
            start_date=dt.date(2026, 1, 1),
        )
        for period, days in (("2026-01", "60"), ("2026-02", "58"), ("2026-03", "57")):
            send(contract.vendor, period, days)
        send(contract.vendor, "2026-04")
    return contract


def revisions(vendor=None) -> dict[str, int]:
    """The current revision of every period (of one vendor, or of all when there is one)."""
    cards = Scorecard.objects.filter(is_current=True)
    if vendor is not None:
        cards = cards.filter(vendor=vendor)
    return dict(cards.values_list("period", "revision"))


def frozen() -> dict[int, tuple[str, str, list]]:
    """Every issued revision's stored hash, snapshot and KPI rows, as text."""
    return {
        card.pk: (
            card.inputs_sha256,
            json.dumps(card.snapshot, sort_keys=True),
            [
                (k.kpi_code, str(k.benchmark), str(k.warning), str(k.value), k.status)
                for k in card.kpis.all()
            ],
        )
        for card in Scorecard.objects.prefetch_related("kpis")
    }


def test_reports_re_score_on_commit_without_evaluate(acme):
    assert revisions() == {"2026-01": 1, "2026-02": 1, "2026-03": 1, "2026-04": 1}
    assert not PendingRescore.objects.exists()  # each task deleted the rows it did
    right = TerminationRight.objects.get()
    assert (right.kpi.code, right.periods) == ("days_in_ar", ["2026-01", "2026-02", "2026-03"])


def test_an_amendment_re_scores_the_periods_it_covers_and_nothing_before(acme, committing):
    before = frozen()
    terms = [
        {
            "kpi": t.kpi.code,
            "benchmark": D("45") if t.kpi.code == "days_in_ar" else t.benchmark,
            "warning": D("65") if t.kpi.code == "days_in_ar" else t.warning,
            "weight": t.weight,
        }
        for t in acme.sla_terms.select_related("kpi")
    ]
    with committing():
        amended = services.contract_amend(
            contract=acme, effective_date=dt.date(2026, 3, 1), sla_terms=terms
        )
    assert revisions() == {"2026-01": 1, "2026-02": 1, "2026-03": 2, "2026-04": 2}
    march = Scorecard.objects.get(period="2026-03", is_current=True)
    ar = march.kpis.get(kpi_code="days_in_ar")
    assert (march.contract_id, ar.benchmark, ar.warning, ar.status) == (
        amended.pk,
        D("45"),
        D("65"),
        "watch",
    )
    january = Scorecard.objects.get(period="2026-01", is_current=True)
    assert january.contract_id == acme.pk
    assert january.kpis.get(kpi_code="days_in_ar").warning == D("55")
    assert {pk: frozen()[pk] for pk in before} == before  # issued revisions are byte-identical
    # March is no longer a breach: the right it completed is withdrawn, with why, and kept.
    right = TerminationRight.objects.get()
    assert right.withdrawn_at is not None
    assert right.withdrawn_reason == (
        "Withdrawn on re-scoring: Days in accounts receivable is no longer in breach in every "
        "period of 2026-01, 2026-02, 2026-03 (2026-03 is watch)."
    )
    assert evaluate().issued == 0  # nothing was left for evaluate


def test_a_termination_alert_follows_its_breach_month_re_reported_as_meeting(org, acme, committing):
    client = client_for(member(org, Role.COMPLIANCE))
    board = reads.dashboard(org, dt.date(2026, 5, 20))
    assert [r.periods for r in board.termination_rights] == [["2026-01", "2026-02", "2026-03"]]
    with committing():
        send(acme.vendor, "2026-02", "38", received_day=10)  # February re-reported: meets
    assert revisions() == {"2026-01": 1, "2026-02": 2, "2026-03": 2, "2026-04": 2}
    board = reads.dashboard(org, dt.date(2026, 5, 20))
    assert board.termination_rights == []
    right = TerminationRight.objects.get()
    assert right.withdrawn_reason == (
        "Withdrawn on re-scoring: Days in accounts receivable is no longer in breach in every "
        "period of 2026-01, 2026-02, 2026-03 (2026-02 is meets)."
    )
    march = Scorecard.objects.get(period="2026-03", is_current=True)
    payload = client.get(f"/api/v1/scorecards/{march.pk}/").json()
    assert payload["termination_rights"] == []
    old_march = Scorecard.objects.get(period="2026-03", revision=1)
    assert old_march.snapshot["termination_rights"] == [
        {"kpi": "days_in_ar", "periods": ["2026-01", "2026-02", "2026-03"]}
    ]  # the superseded revision keeps what it said
    # Breach again in February: the run forms again and is raised again as a new alert.
    with committing():
        send(acme.vendor, "2026-02", "59", received_day=11)
    rights = TerminationRight.objects.order_by("id")
    assert [(r.periods, r.withdrawn_at is None) for r in rights] == [
        (["2026-01", "2026-02", "2026-03"], False),
        (["2026-01", "2026-02", "2026-03"], True),
    ]


def test_an_sla_term_edit_re_issues_exactly_its_contracts_periods_and_re_renders_pdfs(
    acme, committing, settings
):
    with committing():
        amended = services.contract_amend(contract=acme, effective_date=dt.date(2026, 3, 1))
    assert revisions() == {"2026-01": 1, "2026-02": 1, "2026-03": 2, "2026-04": 2}
    march = Scorecard.objects.get(period="2026-03", is_current=True)
    with committing():
        job = jobs.pdf_job_request(scorecard=march)  # March has a PDF, April none
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    before = frozen()
    term = SLATerm.objects.get(contract=amended, kpi__code="denial_rate")
    with committing():
        services.sla_term_update(term=term, benchmark=D("6"), warning=D("9"))
    assert revisions() == {"2026-01": 1, "2026-02": 1, "2026-03": 3, "2026-04": 3}
    assert {pk: frozen()[pk] for pk in before} == before
    new_march = Scorecard.objects.get(period="2026-03", is_current=True)
    denial = new_march.kpis.get(kpi_code="denial_rate")
    assert (denial.benchmark, denial.warning, denial.status) == (D("6"), D("9"), "watch")
    # The revision whose previous one had a PDF gets its own, rendered by the job machinery.
    rendered = Job.objects.filter(kind=jobs.PDF_KIND).order_by("id")
    assert [(j.scorecard.period, j.scorecard.revision, j.status) for j in rendered] == [
        ("2026-03", 2, "done"),
        ("2026-03", 3, "done"),
    ]
    with pytest.raises(Exception, match="warning threshold"):
        services.sla_term_update(term=term, warning=D("5"))


def test_a_kpi_definition_change_re_issues_the_contracts_that_use_it(org, acme, committing):
    # Shipped KPIs are read-only: the organization's own KPI is the one a definition change hits.
    kpi = services.kpi_create(
        organization=org,
        code="payments_per_day",
        name="Payments per day",
        unit="currency",
        direction="higher",
        source="Vendor report",
        formula="payments / period_days",
    )
    with committing():
        other = ContractFactory(
            vendor__organization=org,
            vendor__slug="zeta",
            start_date=dt.date(2026, 4, 1),
            sla_terms=[{"kpi": "days_in_ar", "benchmark": "40", "warning": "55", "weight": "100"}],
        )
        using = ContractFactory(
            vendor__organization=org,
            vendor__slug="yotta",
            start_date=dt.date(2026, 4, 1),
            sla_terms=[
                {"kpi": "payments_per_day", "benchmark": "3000", "warning": "2000", "weight": "1"}
            ],
        )
    with committing():
        send(other.vendor, "2026-04")
        send(using.vendor, "2026-04")
    zeta = Scorecard.objects.get(vendor=other.vendor, is_current=True)
    acme_before = revisions(acme.vendor)
    with committing():
        services.kpi_update(kpi=kpi, name="Collections per day")
    # r1 measured April missing when the contract came, r2 its report, r3 the KPI's new name
    assert revisions(using.vendor) == {"2026-04": 3}
    row = Scorecard.objects.get(vendor=using.vendor, is_current=True).kpis.get(
        kpi_code="payments_per_day"
    )
    # 100,000 collected in April's 30 days
    assert (row.kpi_name, row.value, row.status) == (
        "Collections per day",
        D("3333.333333"),
        "meets",
    )
    assert revisions(acme.vendor) == acme_before  # it uses no term of that KPI
    assert Scorecard.objects.get(vendor=other.vendor, is_current=True).pk == zeta.pk  # unaffected


def test_a_holiday_change_re_issues_the_periods_whose_due_date_moves(
    org, other_org, acme, committing
):
    with committing():
        stranger = ContractFactory(vendor__organization=other_org, start_date=dt.date(2026, 4, 1))
    before = frozen()
    # 13 February 2026 was January's due day (business day 10 of February).
    with committing():
        holidays.holiday_add(organization=org, date=dt.date(2026, 2, 13), name="Snow day")
    assert revisions(acme.vendor) == {"2026-01": 2, "2026-02": 1, "2026-03": 1, "2026-04": 1}
    january = Scorecard.objects.get(vendor=acme.vendor, period="2026-01", is_current=True)
    assert (january.revision, january.report_due_date) == (2, dt.date(2026, 2, 16))
    assert selectors.holidays_of(organization_id=org.pk) == frozenset({dt.date(2026, 2, 13)})
    assert Scorecard.objects.filter(vendor=stranger.vendor, revision__gt=1).count() == 0
    assert {pk: frozen()[pk] for pk in before} == before
    with committing():
        holidays.holiday_remove(organization=org, date=dt.date(2026, 2, 13))
    january = Scorecard.objects.get(vendor=acme.vendor, period="2026-01", is_current=True)
    assert (january.revision, january.report_due_date) == (3, dt.date(2026, 2, 13))


def test_pages_and_api_say_re_scoring_while_rows_are_pending(org, acme, client, settings):
    settings.RESCORE_TASK = ""  # the task has not run yet
    services.contract_update(contract=acme, notes="Renegotiated")
    user = member(org, Role.VIEWER)
    client.force_login(user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "<strong>Re-scoring...</strong> An input changed for Acme" in html
    page = client.get(reverse("vendor-detail", args=[acme.vendor.pk])).content.decode()
    assert "<strong>Re-scoring...</strong> An input changed (contract edited)" in page
    [card] = client_for(user).get("/api/v1/scorecards/", {"period": "2026-04"}).json()["results"]
    assert card["rescoring"] is True
    evaluate()  # what the task (or the daily job) does
    assert "Re-scoring..." not in client.get(reverse("dashboard")).content.decode()
    [card] = client_for(user).get("/api/v1/scorecards/", {"period": "2026-04"}).json()["results"]
    assert card["rescoring"] is False


def test_a_change_that_rolls_back_asks_for_nothing(acme):
    with pytest.raises(Exception, match="overlap"):
        services.contract_create(
            organization=acme.organization,
            vendor=acme.vendor,
            start_date=dt.date(2026, 2, 1),
            pricing_model="flat_monthly",
            flat_monthly_fee=D("1000"),
        )
    assert not PendingRescore.objects.exists()


def test_a_late_report_for_a_month_measured_missing_opens_its_remediation(org, committing):
    with committing():
        contract = ContractFactory(vendor__organization=org, start_date=dt.date(2026, 3, 1))
    assert [c.report_status for c in Scorecard.objects.order_by("period")] == ["missing"] * 2
    with committing():
        send(contract.vendor, "2026-03", "60", received_day=18)  # after its due day (14 April)
    march = Scorecard.objects.get(period="2026-03", is_current=True)
    assert (march.revision, march.report_status) == (2, "late")
    item = RemediationItem.objects.get(contract=contract)
    assert (item.kpi.code, item.opened_period, item.cure_deadline) == (
        "days_in_ar",
        "2026-03",
        dt.date(2026, 5, 30),
    )


def test_months_a_shortened_contract_no_longer_covers_keep_no_current_scorecard(acme, committing):
    with committing():
        services.contract_update(contract=acme, end_date=dt.date(2026, 2, 28))
    assert revisions() == {"2026-01": 1, "2026-02": 1}
    assert (
        Scorecard.objects.filter(period__in=["2026-03", "2026-04"], is_current=False).count() == 2
    )


def test_months_re_reported_out_of_breach_withdraw_their_item_and_right(org, acme, committing):
    item = RemediationItem.objects.get(contract=acme)
    # Opened in January, verifying since April met.
    assert (item.kpi.code, item.opened_period, item.status) == (
        "days_in_ar",
        "2026-01",
        "verifying",
    )
    header = HEADER
    rows = "".join(f"{p},96,7,38,97,40,1.5,100000\n" for p in ("2026-01", "2026-02", "2026-03"))
    with committing():
        report_ingest(  # a corrected quarter: days in A/R met all along
            organization=org,
            vendor=acme.vendor,
            content=(header + rows).encode(),
            file_name="corrected-q1.csv",
            received_at=dt.datetime(2026, 5, 18, 9, tzinfo=dt.UTC),
        )
    item.refresh_from_db()
    assert item.status == "waived"
    assert [(e.from_status, e.to_status, e.actor, e.reason) for e in item.events.all()][-1] == (
        "verifying",
        "waived",
        None,
        "Withdrawn on re-scoring: Days in accounts receivable is meets in 2026-01, the breach "
        "that opened this item, and in breach in no later period.",
    )
    assert reads.open_remediations(org).count() == 0
    assert TerminationRight.objects.get().withdrawn_at is not None
