"""Evaluation: build scorecard snapshots and remediation state from contracts and reports.

Batch by design, in named steps: ``load`` reads what the run needs with a few queries;
``periods`` evaluates every vendor's months in order in memory (remediation depends on history);
``remediation_step`` moves the items month by month and withdraws what no longer holds; ``rows``
builds the new revisions; ``write`` stores them in bulk, in one transaction. Running it again with
the same inputs changes nothing (``inputs_sha256``).

A full run (``evaluate()``) reads every vendor's whole history. The runs after a change (a stored
report, a re-scoring request, the daily run) are incremental: each vendor from the first month
the change can affect, with the state before it carried in from what was stored (open items,
raised rights, a few months of values and statuses); both give the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from scorecard.services import early_warning
from vendors import selectors as vendor_selectors
from vendors.models import Report
from vendors.services import rescore as rescore_service

from . import periods, write
from .common import (
    KPI_COLUMNS,
    EvaluationSummary,
    Pending,
    contract_for,
    contract_snapshot,
    contract_terms,
    pricing_terms,
)
from .load import Scope, load

__all__ = [
    "KPI_COLUMNS",
    "EvaluationSummary",
    "contract_snapshot",
    "contract_terms",
    "evaluate",
    "evaluate_daily",
    "evaluate_report",
    "evaluate_reports",
    "pricing_terms",
    "rescore_pending",
]

_contract_for = contract_for  # the one contract-in-force rule, as the evaluation applies it


def evaluate(
    *,
    vendor_ids: list[int] | None = None,
    period: str | None = None,
    today: dt.date | None = None,
    notify: bool = True,
    full: bool | None = None,
    since: Mapping[int, str] | None = None,
) -> EvaluationSummary:
    """(Re)build scorecards and remediation state for the given vendors (all when None).

    Every month of a contract in force is measured from the contract's first month to the last
    month whose report is due on ``today`` (a missing report: not-reported KPIs). ``period``
    limits which period's scorecard is written; it reads that month, the few months before it
    that it depends on and nothing later (``full=True``: the whole history is read).

    ``full`` (the default without ``period``) reads and evaluates every month; ``full=False``
    without ``period`` is incremental: each vendor from the earliest of ``since``'s month, its
    pending re-scoring rows' first month and the month after its newest scorecard.

    Remediation moves for periods newer than the vendor's last evaluated one, and for a month
    first measured as missing once its report arrives, so a rerun never counts twice.
    Termination rights and open breach items follow the newest statuses. Re-scoring rows of these
    vendors written before the run read its inputs are answered (deleted); PDFs of re-issued
    revisions are queued after commit.
    """
    today = today or timezone.localdate()
    full = period is None if full is None else full
    scope = Scope(
        vendor_ids=vendor_ids,
        only=period,
        until=None if full else period,
        incremental=not full and period is None,
        since=since,
    )
    summary = EvaluationSummary()
    catalog = vendor_selectors.kpi_catalogs()  # each organization's shipped and own KPIs
    pending = _evaluate_and_write(scope, today=today, summary=summary, catalog=catalog)
    if pending is not None:
        early_warning.scorecards_warn(scorecard_ids=summary.scorecard_ids, notify=notify)
        summary.pdfs_queued = write.rerender_pdfs(pending)
        if notify:
            write.notify(pending, summary=summary, today=today, catalog=catalog)
    return summary


@transaction.atomic
def _evaluate_and_write(
    scope: Scope,
    *,
    today: dt.date,
    summary: EvaluationSummary,
    catalog: vendor_selectors.KPICatalog,
) -> Pending | None:
    """Load, evaluate in memory and write, in one transaction holding the vendors' rows, so two
    runs for the same vendor (two report tasks at once) queue instead of racing."""
    inputs = load(scope, today=today)
    if inputs is None or not inputs.contracts_by_vendor:
        rescore_service.rescore_done(ids=inputs.answered if inputs else [])
        return None
    run = periods.Run(inputs=inputs, summary=summary, catalog=catalog)
    for vendor_id in inputs.contracts_by_vendor:
        periods.evaluate_vendor(run, vendor_id)
    write.write(run.pending, now=inputs.now, summary=summary, catalog=catalog)
    rescore_service.rescore_done(ids=inputs.answered)
    return run.pending


def evaluate_report(*, report_id: int) -> EvaluationSummary:
    """Evaluate after one stored report: its vendor, from the report's month on."""
    found = Report.objects.filter(pk=report_id).values_list("vendor_id", "period").first()
    if found is None:
        return EvaluationSummary()
    vendor_id, period = found
    return evaluate(vendor_ids=[vendor_id], full=False, since={vendor_id: period})


def evaluate_reports(*, report_ids: list[int]) -> EvaluationSummary:
    """Evaluate after stored reports: every affected vendor from its earliest stored month on,
    in one batch run."""
    ids = sorted(set(report_ids))
    since: dict[int, str] = {}
    for start in range(0, len(ids), 2000):  # a network file stores 10,000 reports at once
        chunk = ids[start : start + 2000]
        for vendor_id, period in Report.objects.filter(pk__in=chunk).values_list(
            "vendor_id", "period"
        ):
            since[vendor_id] = min(since.get(vendor_id, period), period)
    if not since:
        return EvaluationSummary()
    return evaluate(vendor_ids=sorted(since), full=False, since=since)


def rescore_pending(
    *, pending_ids: list[int] | None = None, today: dt.date | None = None
) -> EvaluationSummary:
    """Re-evaluate the vendors of pending re-scoring rows (the given ones, or all) from the
    first month their rows name, and delete the rows done; only scorecards whose inputs changed
    get new revisions."""
    rows = vendor_selectors.pending_rescores(ids=pending_ids)
    if not rows:
        return EvaluationSummary()
    # The run answers (deletes) every row of these vendors written before it read its inputs.
    vendor_ids = sorted({vendor_id for _, vendor_id in rows})
    return evaluate(vendor_ids=vendor_ids, today=today, full=False)


def evaluate_daily(*, today: dt.date | None = None) -> EvaluationSummary:
    """The daily run: every month of every contract in force is measured once its report is
    due (a missing report gets a scorecard of not-reported KPIs), and re-scoring rows a lost
    message left behind are done, each vendor from the first month that can have changed.
    Idempotent: a second run the same day issues nothing."""
    return evaluate(today=today, full=False)
