"""Re-scoring on a real broker with a real Celery worker: a committed change is re-scored by the
worker, with nobody running ``evaluate`` (run with CELERY_BROKER_URL and DATABASE_URL on Redis
and PostgreSQL, like tests/scorecard/test_jobs_worker.py, whose worker fixtures this uses)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from scorecard.models import Scorecard
from tests.factories import ContractFactory
from tests.scorecard.test_jobs_worker import broker, start_worker, wait_for  # noqa: F401
from vendors import services
from vendors.models import PendingRescore, SLATerm
from vendors.services.reports import report_ingest

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
HEADER = "period,days_in_ar,denial_rate\n"


def current() -> dict[str, tuple[int, bool]]:
    """Period -> (current revision, has a report)."""
    return {
        p: (r, report is not None)
        for p, r, report in Scorecard.objects.filter(is_current=True).values_list(
            "period", "revision", "report_id"
        )
    }


def test_the_worker_re_scores_what_each_committed_change_asks_for(org, start_worker):  # noqa: F811
    start_worker("rescore")
    # Ends with October 2026, so the test means the same whatever day it runs.
    contract = ContractFactory(
        vendor__organization=org, start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 10, 31)
    )
    wait_for(lambda: current() == {"2026-09": (1, False), "2026-10": (1, False)}, 90, "missing")
    report_ingest(  # one file, two months: one task
        organization=org,
        vendor=contract.vendor,
        content=f"{HEADER}2026-09,60,7\n2026-10,60,7\n".encode(),
        file_name="autumn.csv",
        received_at=dt.datetime(2026, 11, 5, 9, tzinfo=dt.UTC),
    )
    wait_for(
        lambda: current() == {"2026-09": (2, True), "2026-10": (2, True)},
        60,
        "the reports re-scored",
    )
    term = SLATerm.objects.get(contract=contract, kpi__code="days_in_ar")
    services.sla_term_update(term=term, benchmark=D("50"), warning=D("65"))
    wait_for(
        lambda: current() == {"2026-09": (3, True), "2026-10": (3, True)},
        60,
        "the term change re-scored",
    )
    wait_for(lambda: not PendingRescore.objects.exists(), 30, "the rows done")
    row = Scorecard.objects.get(period="2026-10", is_current=True).kpis.get(kpi_code="days_in_ar")
    assert (row.benchmark, row.warning, row.status) == (D("50"), D("65"), "watch")
