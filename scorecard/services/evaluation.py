"""Evaluation: build scorecard snapshots and remediation state from contracts and reports.

Batch by design: everything is loaded with a few queries, every vendor's periods are evaluated in
order in memory (remediation depends on history), and the results are written with bulk inserts
in one transaction. Running it again with the same inputs changes nothing (``inputs_sha256``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import operator
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from scorecard import evaluation as ev
from scorecard import pricing
from scorecard import remediation as rm
from scorecard.models import (
    Job,
    JobStatus,
    RemediationEvent,
    RemediationItem,
    RemediationKind,
    Scorecard,
    ScorecardKPI,
    TerminationRight,
)
from scorecard.selectors import number
from vendors import bulk as db
from vendors import periods as bd
from vendors import selectors as vendor_selectors
from vendors.models import AuditAction, AuditEvent, AuditRecordType, Contract, Report
from vendors.services import rescore as rescore_service

from . import early_warning, jobs, notifications

FOUR = Decimal("0.0001")
SIX = Decimal("0.000001")
KPI_COLUMNS = [
    "kpi_code",
    "kpi_name",
    "unit",
    "direction",
    "formula",
    "source",
    "benchmark",
    "warning",
    "weight",
    "value",
    "stated_value",
    "recomputed_value",
    "status",
    "points",
    "previous_value",
    "change",
    "trailing_3m_average",
    "display_order",
]


@dataclass
class EvaluationSummary:
    """What one evaluation run did."""

    issued: int = 0
    unchanged: int = 0
    opened: int = 0
    escalated: int = 0
    closed: int = 0
    termination_rights: int = 0
    withdrawn_rights: int = 0
    withdrawn_scorecards: int = 0
    pdfs_queued: int = 0
    notifications: int = 0
    scorecard_ids: list[int] = field(default_factory=list)


def _str(value: Any) -> Any:
    """Canonical text of a decimal, date or datetime for snapshots and hashes."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return number(value)
    return value


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else pricing.to_cents(value)


def _four(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(FOUR)


def contract_snapshot(contract: Contract) -> dict[str, Any]:
    """The contract terms an evaluation uses, as plain JSON-ready data."""
    return {
        "id": contract.pk,
        "version": contract.version,
        "start_date": _str(contract.start_date),
        "end_date": _str(contract.end_date),
        "currency": contract.currency,
        "pricing_model": contract.pricing_model,
        "percent_of_collections": _str(contract.percent_of_collections),
        "fee_per_claim": _str(contract.fee_per_claim),
        "flat_monthly_fee": _str(contract.flat_monthly_fee),
        "monthly_minimum": _str(contract.monthly_minimum),
        "monthly_maximum": _str(contract.monthly_maximum),
        "report_due_business_day": contract.report_due_business_day,
        "late_report_counts_as_breach": contract.late_report_counts_as_breach,
        "at_risk_percent": _str(contract.at_risk_percent),
        "cure_period_days": contract.cure_period_days,
        "verification_periods": contract.verification_periods,
        "termination_consecutive_breaches": contract.termination_consecutive_breaches,
        "standing_bands": contract.standing_bands,
    }


def pricing_terms(contract: Contract) -> pricing.PricingTerms:
    """A contract's pricing as plain data for ``scorecard.pricing``."""
    return pricing.PricingTerms(
        pricing_model=contract.pricing_model,
        percent_of_collections=contract.percent_of_collections,
        fee_per_claim=contract.fee_per_claim,
        flat_monthly_fee=contract.flat_monthly_fee,
        monthly_minimum=contract.monthly_minimum,
        monthly_maximum=contract.monthly_maximum,
    )


def contract_terms(rows: list[dict[str, Any]]) -> list[ev.Term]:
    """A contract's SLA terms with their KPI definitions copied (``sla_term_data``'s rows)."""
    return [
        ev.Term(
            code=t["kpi__code"],
            name=t["kpi__name"],
            unit=t["kpi__unit"],
            direction=t["kpi__direction"],
            benchmark=t["benchmark"],
            warning=t["warning"],
            weight=t["weight"],
            minimum_volume=t["minimum_volume"],
            volume_field=t["kpi__volume_field"],
            formula=t["kpi__formula"],
            source=t["kpi__source"],
            display_order=t["kpi__display_order"],
        )
        for t in rows
    ]


def _term_dict(t: ev.Term) -> dict[str, Any]:
    return {
        "code": t.code,
        "name": t.name,
        "unit": t.unit,
        "direction": t.direction,
        "benchmark": str(t.benchmark),
        "warning": str(t.warning),
        "weight": str(t.weight),
        "minimum_volume": t.minimum_volume,
        "volume_field": t.volume_field,
        "formula": t.formula,
        "source": t.source,
        "display_order": t.display_order,
    }


@functools.cache
def _bounds(period: str) -> tuple[dt.date, dt.date]:
    return bd.period_start(period), bd.period_end(period)


@functools.cache
def _periods_between(first: str, last: str) -> tuple[str, ...]:
    return tuple(bd.periods_between(first, last))


def _contract_for(contracts: list[Contract], period: str) -> Contract | None:
    """The version governing a period, by the one contract-in-force rule of vendors."""
    start, end = _bounds(period)
    return vendor_selectors.in_force(contracts, first_day=start, last_day=end)


# Contract fields that never change how a period inside the contract is evaluated: an
# amendment ends the old version, and that must not re-issue the periods before it.
NOT_AN_INPUT = frozenset({"end_date"})


@dataclass
class _Context:
    """Per-contract data computed once per run."""

    contract: Contract
    terms: list[ev.Term]
    snapshot: dict[str, Any]
    term_dicts: list[dict[str, Any]]
    pricing: pricing.PricingTerms
    rules: rm.Rules
    digest: bytes


@dataclass
class _Pending:
    """Rows to write at the end of the run."""

    superseded: list[int] = field(default_factory=list)
    withdrawn: list[tuple[int, str]] = field(default_factory=list)  # (right id, reason)
    scorecards: list[tuple[dict[str, Any], list[tuple], list[tuple[rm.Item, dict]]]] = field(
        default_factory=list
    )
    new_items: list[tuple[rm.Item, Contract, int, int]] = field(default_factory=list)
    events: list[rm.Change] = field(default_factory=list)
    rights: list[tuple[Contract, str, list[str]]] = field(default_factory=list)
    # Current scorecards of months no contract covers any more (a contract was shortened).
    uncovered: list[int] = field(default_factory=list)
    # (superseded scorecard id, the card replacing it) for re-rendering PDFs
    replaced: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Organization id and vendor name of every item an event moved (messages, audit trail).
    owners: dict[int, tuple[int, str]] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    right_ids: list[int] = field(default_factory=list)


def _item_state(item: rm.Item) -> dict[str, Any]:
    return {
        "kpi": item.kpi_code,
        "kind": item.kind,
        "status": item.status,
        "opened_period": item.opened_period,
        "cure_deadline": _str(item.cure_deadline),
        "meeting_streak": item.meeting_streak,
        "verified": item.verified,
    }


def evaluate(
    *,
    vendor_ids: list[int] | None = None,
    period: str | None = None,
    today: dt.date | None = None,
    notify: bool = True,
) -> EvaluationSummary:
    """(Re)build scorecards and remediation state for the given vendors (all when None).

    Every month of a contract in force is measured from the contract's first month to the last
    month whose report is due on ``today`` (a missing report: not-reported KPIs). ``period``
    limits which period's scorecard is written (history is still read). Remediation moves for
    periods newer than the vendor's last evaluated one, and for a month first measured as missing
    once its report arrives, so a rerun never counts twice. Termination rights and open breach
    items follow the newest statuses. Re-scoring rows of these vendors written before the run
    read its inputs are answered (deleted); PDFs of re-issued revisions are queued after commit.
    """
    today = today or timezone.localdate()
    summary = EvaluationSummary()
    catalog = vendor_selectors.kpi_catalogs()  # each organization's shipped and own KPIs
    pending = _evaluate_and_write(
        vendor_ids=vendor_ids, period=period, today=today, summary=summary, catalog=catalog
    )
    if pending is not None:
        early_warning.scorecards_warn(scorecard_ids=summary.scorecard_ids, notify=notify)
        summary.pdfs_queued = _rerender_pdfs(pending)
    if notify and pending is not None:
        _notify(pending, summary=summary, today=today, catalog=catalog)
    return summary


def _rerender_pdfs(pending: _Pending) -> int:
    """After the commit: queue the PDF of every new revision whose previous revision had one."""
    old_ids = [old for old, _ in pending.replaced]
    rendered: set[int] = set()
    for start in range(0, len(old_ids), 2000):
        rendered.update(
            Job.objects.filter(
                scorecard_id__in=old_ids[start : start + 2000],
                kind=jobs.PDF_KIND,
                status=JobStatus.DONE,
            ).values_list("scorecard_id", flat=True)
        )
    new_ids = [card["id"] for old, card in pending.replaced if old in rendered]
    for scorecard in Scorecard.objects.filter(pk__in=new_ids).order_by("pk"):
        jobs.pdf_job_request(scorecard=scorecard)
    return len(new_ids)


@transaction.atomic
def _evaluate_and_write(
    *,
    vendor_ids: list[int] | None,
    period: str | None,
    today: dt.date,
    summary: EvaluationSummary,
    catalog: vendor_selectors.KPICatalog,
) -> _Pending | None:
    """Load, evaluate in memory and write, in one transaction holding the vendors' rows, so two
    runs for the same vendor (two report tasks at once) queue instead of racing."""
    vendor_selectors.vendors_lock(vendor_ids=vendor_ids)
    # Re-scoring asked for before this point is answered by this run (its change committed
    # before the inputs below are read); rows written later stay for their own task.
    answered = (
        [row_id for row_id, _ in vendor_selectors.pending_rescores(vendor_ids=vendor_ids)]
        if period is None
        else []
    )
    due_dates: dict[tuple[int, str, int], dt.date] = {}
    last_closed = bd.previous_period(bd.period_of(today))
    tz = timezone.get_current_timezone()
    now = timezone.now()

    contracts_by_vendor: dict[int, list[Contract]] = defaultdict(list)
    for c in vendor_selectors.contracts_for_vendors(vendor_ids=vendor_ids):
        contracts_by_vendor[c.vendor_id].append(c)
    if not contracts_by_vendor:
        rescore_service.rescore_done(ids=answered)
        return None
    vids = list(contracts_by_vendor)
    holidays_of = vendor_selectors.holidays_by_organization(
        organization_ids={cs[0].organization_id for cs in contracts_by_vendor.values()}
    )
    terms_by_contract = vendor_selectors.sla_term_data(vendor_ids=vendor_ids)
    reports_by_vendor: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in vendor_selectors.current_report_data(vendor_ids=vendor_ids):
        reports_by_vendor[r["vendor_id"]][r["period"]] = r

    current: dict[tuple[int, str], tuple[int, int, str, int | None]] = {}
    current_of: dict[int, dict[str, int]] = defaultdict(dict)
    through: dict[int, str] = {}
    scope = (
        Scorecard.objects.all()
        if vendor_ids is None
        else Scorecard.objects.filter(vendor_id__in=vids)
    )
    for sid, contract_id, vendor_id, p, sha, report_id in scope.filter(is_current=True).values_list(
        "id", "contract_id", "vendor_id", "period", "inputs_sha256", "report_id"
    ):
        current[(vendor_id, p)] = (sid, contract_id, sha, report_id)
        current_of[vendor_id][p] = sid
        through[vendor_id] = max(through.get(vendor_id, p), p)
    # Revisions count per vendor and period: an amendment's scorecard supersedes the old
    # version's as the next revision of the same month.
    max_revision = {
        (row["vendor_id"], row["period"]): row["top"]
        for row in scope.values("vendor_id", "period").annotate(top=Max("revision"))
    }

    items_by_vendor: dict[int, list[rm.Item]] = defaultdict(list)
    item_orgs: dict[int, int] = {}  # id(item) -> its row's organization id
    item_rows = RemediationItem.objects.exclude(status__in=list(rm.TERMINAL))
    if vendor_ids is not None:
        item_rows = item_rows.filter(vendor_id__in=vids)
    for row in item_rows.values(
        "id",
        "vendor_id",
        "organization_id",
        "kpi__code",
        "kind",
        "status",
        "opened_period",
        "cure_deadline",
        "meeting_streak",
        "verified",
    ):
        loaded = rm.Item(
            kpi_code=row["kpi__code"],
            kind=row["kind"],
            status=row["status"],
            opened_period=row["opened_period"],
            cure_deadline=row["cure_deadline"],
            meeting_streak=row["meeting_streak"],
            verified=row["verified"],
            ref=row["id"],
        )
        items_by_vendor[row["vendor_id"]].append(loaded)
        item_orgs[id(loaded)] = row["organization_id"]
    rights_by_vendor: dict[int, list[dict[str, Any]]] = defaultdict(list)
    right_rows = TerminationRight.objects.filter(withdrawn_at__isnull=True)
    if vendor_ids is not None:
        right_rows = right_rows.filter(vendor_id__in=vids)
    for right_id, right_vendor, right_contract, right_kpi, right_periods in right_rows.order_by(
        "id"
    ).values_list("id", "vendor_id", "contract_id", "kpi__code", "periods"):
        rights_by_vendor[right_vendor].append(
            {"id": right_id, "contract": right_contract, "kpi": right_kpi, "periods": right_periods}
        )

    contexts: dict[int, _Context] = {}
    pending = _Pending()

    for vendor_id, vcontracts in contracts_by_vendor.items():
        reports = reports_by_vendor.get(vendor_id, {})
        vendor = vcontracts[0].vendor
        holidays = holidays_of.get(vendor.organization_id, frozenset())
        items = items_by_vendor[vendor_id]
        # Termination rights follow the newest statuses: computed afresh over the whole history
        # and reconciled with the stored ones after the loop.
        raised: list[tuple[Contract, str, list[str]]] = []
        status_by_period: dict[str, dict[str, str]] = {}
        reported = sorted(reports)
        # Every month from the contract's first on is measured, up to the last month whose
        # report is due (later months only if a report came early).
        first = bd.period_of(vcontracts[0].start_date)
        if reported:
            first = min(first, reported[0])
        last = max(last_closed, reported[-1]) if reported else last_closed
        period_values: list[dict[str, Decimal | None]] = []
        previous_statuses: dict[str, str] | None = None
        runs: dict[str, list[str]] = {}
        measured: set[str] = set()
        for p in _periods_between(first, last) if first <= last else ():
            contract = _contract_for(vcontracts, p)
            if contract is None:
                period_values, previous_statuses, runs = [], None, {}
                continue
            report = reports.get(p)
            due_key = (vendor.organization_id, p, contract.report_due_business_day)
            due = due_dates.get(due_key)
            if due is None:
                due = due_dates[due_key] = bd.report_due_date(
                    p, contract.report_due_business_day, holidays
                )
            if report is None and not bd.is_late(today, due):
                continue  # not due yet: measured once its due day has passed
            measured.add(p)
            ctx = contexts.get(contract.pk)
            if ctx is None:
                terms = contract_terms(terms_by_contract.get(contract.pk, []))
                ctx = contexts[contract.pk] = _Context(
                    contract=contract,
                    terms=terms,
                    snapshot=contract_snapshot(contract),
                    term_dicts=[_term_dict(t) for t in terms],
                    digest=b"",
                    pricing=pricing_terms(contract),
                    rules=rm.Rules(
                        cure_period_days=contract.cure_period_days,
                        verification_periods=contract.verification_periods,
                        termination_consecutive_breaches=contract.termination_consecutive_breaches,
                    ),
                )
                ctx.digest = hashlib.sha256(
                    json.dumps(
                        {
                            "vendor": [vendor.pk, vendor.slug, vendor.name],
                            "contract": {
                                k: v for k, v in ctx.snapshot.items() if k not in NOT_AN_INPUT
                            },
                            "terms": ctx.term_dicts,
                        },
                        sort_keys=True,
                    ).encode()
                ).digest()
            # field -> (value, stated_value, recomputed_value, insufficient_data, volume)
            values: dict[str, tuple[Any, ...]] = report["values"] if report else {}
            if report is not None:
                received_on = report["received_at"].astimezone(tz).date()
                late = bd.is_late(received_on, due)
            else:
                late = bd.is_late(today, due)
            readings: dict[str, ev.Reading] = {}
            for t in ctx.terms:  # the contract's KPIs: evaluate_period reads no other
                given = values.get(t.code)
                if given is not None:
                    value, stated, recomputed, insufficient, volume = given
                    readings[t.code] = ev.Reading(value, stated, recomputed, insufficient, volume)
            raw = {name: v[1] if v[0] is None else v[0] for name, v in values.items()}
            history = {t.code: [pv.get(t.code) for pv in period_values[-2:]] for t in ctx.terms}
            result = ev.evaluate_period(
                ctx.terms,
                readings,
                raw=raw,
                bands=contract.standing_bands,
                missing_is_breach=late and contract.late_report_counts_as_breach,
                history=history,
            )
            statuses = result.statuses()
            status_by_period[p] = statuses
            # Breach runs through this period; a run reaching the contract's threshold raises
            # the termination right (once per run).
            runs_before = runs
            runs, reached = rm.breach_runs_through(
                period=p,
                statuses=statuses,
                previous_runs=runs_before,
                threshold=contract.termination_consecutive_breaches,
            )
            raised.extend((contract, code, run) for code, run in reached)
            rights_through = [{"kpi": code, "periods": run} for _, code, run in raised]
            payments = raw.get("payments")
            claims = raw.get("claims_submitted")
            fee = pricing.period_fee(ctx.pricing, payments=payments, claims_submitted=claims)
            credit = pricing.service_credit(fee, contract.at_risk_percent, result.breached_weight)
            report_info = (
                None
                if report is None
                else {
                    "id": report["id"],
                    "version": report["version"],
                    "received_at": report["received_at"].isoformat(),
                }
            )
            findings = [
                {k: _str(v) for k, v in f.items()} for f in (report["findings"] if report else [])
            ]
            vendor_info = {"id": vendor.pk, "slug": vendor.slug, "name": vendor.name}
            # Every input of this scorecard: vendor, contract and terms (digested once per
            # contract), the report's values and findings, lateness and the history used.
            digest = hashlib.sha256(ctx.digest)
            digest.update(
                repr(
                    (
                        report_info,
                        sorted(values.items()),
                        findings,
                        late,
                        due,
                        sorted(history.items()),
                        [(r["kpi"], r["periods"]) for r in rights_through],
                    )
                ).encode()
            )
            sha = digest.hexdigest()

            existing = current.get((vendor_id, p))
            write = (period is None or p == period) and (
                existing is None or existing[2] != sha or existing[1] != contract.pk
            )
            if existing is not None and not write and (period is None or p == period):
                summary.unchanged += 1
            if write:
                remediation_rows: list[tuple[rm.Item, dict]] = []
                # Remediation steps through each period once, in order; a month first measured
                # as missing steps again when its report arrives (its statuses are new facts).
                if (
                    vendor_id not in through
                    or p > through[vendor_id]
                    or (existing is not None and existing[3] is None and report is not None)
                ):
                    step = rm.step(
                        period=p,
                        period_end=_bounds(p)[1],
                        statuses=statuses,
                        previous_statuses=previous_statuses,
                        breach_runs=runs_before,
                        items=items,
                        rules=ctx.rules,
                    )
                    for item in step.opened:
                        pending.new_items.append(
                            (
                                item,
                                contract,
                                vendor.organization_id,
                                catalog.get(vendor.organization_id, item.kpi_code).pk,
                            )
                        )
                    pending.events.extend(step.changes)
                    for change in step.changes:  # (messages and the audit trail)
                        pending.owners[id(change.item)] = (
                            item_orgs.get(id(change.item), vendor.organization_id),
                            vendor.name,
                        )
                    changed = {id(c.item) for c in step.changes}
                    through[vendor_id] = max(through.get(vendor_id, p), p)
                else:
                    changed = set()
                for item in items:
                    if item.opened_period <= p and (
                        item.status not in rm.TERMINAL or id(item) in changed
                    ):
                        remediation_rows.append((item, _item_state(item)))
                rev = max_revision.get((vendor_id, p), 0) + 1
                max_revision[(vendor_id, p)] = rev
                if existing is not None:
                    pending.superseded.append(existing[0])
                snapshot = {
                    "vendor": vendor_info,
                    "contract": ctx.snapshot,
                    "report": report_info,
                    "findings": findings,
                    "payments": _str(payments),
                    "claims_submitted": _str(claims),
                    "at_risk_amount": _str(
                        None
                        if fee is None
                        else _money(pricing.at_risk_amount(fee, contract.at_risk_percent))
                    ),
                    "breached_weight": str(result.breached_weight),
                    "termination_rights": rights_through,
                }
                card = {
                    "organization_id": vendor.organization_id,
                    "contract_id": contract.pk,
                    "vendor_id": vendor_id,
                    "period": p,
                    "revision": rev,
                    "is_current": True,
                    "report_id": report["id"] if report else None,
                    "inputs_sha256": sha,
                    "overall_score": result.overall_score,
                    "standing": result.standing,
                    "report_late": late,
                    "report_due_date": due,
                    "currency": contract.currency,
                    "fee": _money(fee),
                    "credit": _money(credit) if fee is not None else None,
                    "effective_rate": _four(pricing.effective_rate(fee, payments)),
                    "cost_per_claim": _four(pricing.cost_per_claim(fee, claims)),
                    "snapshot": snapshot,
                    "issued_at": now,
                    "superseded_at": None,
                }
                kpi_rows = [
                    (
                        k.term.code,
                        k.term.name,
                        k.term.unit,
                        k.term.direction,
                        k.term.formula,
                        k.term.source,
                        k.term.benchmark,
                        k.term.warning,
                        k.term.weight,
                        k.value,
                        k.stated_value,
                        k.recomputed_value,
                        k.status,
                        None if k.points is None else ev.to_hundredths(k.points),
                        k.previous_value,
                        k.change,
                        None
                        if k.trailing_3m_average is None
                        else k.trailing_3m_average.quantize(SIX),
                        k.term.display_order,
                    )
                    for k in result.kpis
                ]
                pending.scorecards.append((card, kpi_rows, remediation_rows))
                if existing is not None:
                    pending.replaced.append((existing[0], card))
            # History for the next period, whether or not this one was written.
            period_values.append({k.term.code: k.value for k in result.kpis})
            previous_statuses = statuses
        _withdraw_items(
            pending,
            items=items,
            status_by_period=status_by_period,
            name=functools.partial(catalog.name, vendor.organization_id),
            owner=(vendor.organization_id, vendor.name),
        )
        pending.uncovered.extend(
            sid
            for p, sid in current_of.get(vendor_id, {}).items()
            if p not in measured and (period is None or p == period)
        )
        _reconcile_rights(
            pending,
            stored=rights_by_vendor.get(vendor_id, []),
            raised=raised,
            status_by_period=status_by_period,
            name=functools.partial(catalog.name, vendor.organization_id),
        )

    _write(pending, now=now, summary=summary, catalog=catalog)
    rescore_service.rescore_done(ids=answered)
    return pending


def _withdraw_items(
    pending: _Pending,
    *,
    items: list[rm.Item],
    status_by_period: dict[str, dict[str, str]],
    name: Callable[[str], str],
    owner: tuple[int, str],
) -> None:
    """Withdraw (waive, by the system, with the reason) a stored open breach item whose opening
    month is no longer a breach in the newest statuses and whose KPI breaches in no later month:
    it was opened on a report or term that has since been replaced."""
    for item in items:
        if item.ref is None or item.kind != rm.BREACH_KIND or item.status in rm.TERMINAL:
            continue
        opening = status_by_period.get(item.opened_period, {}).get(item.kpi_code)
        if opening is None or opening == ev.BREACH:
            continue
        if any(
            statuses.get(item.kpi_code) == ev.BREACH
            for p, statuses in status_by_period.items()
            if p > item.opened_period
        ):
            continue  # a later breach still needs the item
        reason = (
            f"Withdrawn on re-scoring: {name(item.kpi_code)} is {opening} in "
            f"{item.opened_period}, the breach that opened this item, and in breach in no later "
            "period."
        )
        pending.events.append(rm.Change(item, item.status, rm.WAIVED, reason, item.opened_period))
        pending.owners[id(item)] = owner  # (organization, vendor name) for messages and audit
        item.status = rm.WAIVED
        item.touched = True


def _reconcile_rights(
    pending: _Pending,
    *,
    stored: list[dict[str, Any]],
    raised: list[tuple[Contract, str, list[str]]],
    status_by_period: dict[str, dict[str, str]],
    name: Callable[[str], str],
) -> None:
    """Raise the runs not stored yet; withdraw stored rights whose run no longer holds (its
    months were re-reported or re-scored), naming the month that broke it."""
    computed = {(c.pk, code, tuple(run)) for c, code, run in raised}
    have = {(r["contract"], r["kpi"], tuple(r["periods"])) for r in stored}
    for contract, code, run in raised:
        if (contract.pk, code, tuple(run)) not in have:
            pending.rights.append((contract, code, run))
    for right in stored:
        if (right["contract"], right["kpi"], tuple(right["periods"])) in computed:
            continue
        code = right["kpi"]
        broken = [
            f"{p} is {status_by_period[p].get(code, 'not evaluated')}"
            if p in status_by_period
            else f"{p} is not evaluated"
            for p in right["periods"]
            if status_by_period.get(p, {}).get(code) != ev.BREACH
        ]
        pending.withdrawn.append(
            (
                right["id"],
                f"Withdrawn on re-scoring: {name(code)} is no longer in breach in every period of "
                f"{', '.join(right['periods'])} ({'; '.join(broken) or 'the contract changed'}).",
            )
        )


def _write(
    pending: _Pending,
    *,
    now: dt.datetime,
    summary: EvaluationSummary,
    catalog: vendor_selectors.KPICatalog,
) -> None:
    """Store everything the run decided, in bulk, in one transaction."""
    if pending.superseded or pending.uncovered:
        Scorecard.objects.filter(pk__in=pending.superseded + pending.uncovered).update(
            is_current=False, superseded_at=now
        )
    created_at = timezone.now()  # what auto_now_add would set
    new_ids = db.insert_rows_returning_ids(
        RemediationItem,
        [
            "organization_id",
            "contract_id",
            "vendor_id",
            "kpi_id",
            "kind",
            "status",
            "opened_period",
            "cure_deadline",
            "meeting_streak",
            "verified",
            "closed_at",
            "created_at",
        ],
        [
            (
                org_id,
                contract.pk,
                contract.vendor_id,
                kpi_id,
                item.kind,
                item.status,
                item.opened_period,
                item.cure_deadline,
                item.meeting_streak,
                item.verified,
                now if item.status == rm.CLOSED else None,
                created_at,
            )
            for item, contract, org_id, kpi_id in pending.new_items
        ],
    )
    for (item, *_), pk in zip(pending.new_items, new_ids, strict=True):
        item.ref = pk
    new_items = {id(item) for item, *_ in pending.new_items}
    touched = {id(c.item): c.item for c in pending.events if id(c.item) not in new_items}
    for _, _, remediation_rows in pending.scorecards:
        for item, _state in remediation_rows:
            if item.touched and id(item) not in new_items:
                touched[id(item)] = item
    db.update_rows(
        RemediationItem,
        ["status", "meeting_streak", "verified", "closed_at"],
        [
            (
                item.status,
                item.meeting_streak,
                item.verified,
                now if item.status == rm.CLOSED else None,
                item.ref,
            )
            for item in touched.values()
        ],
    )
    pending.event_ids = db.insert_rows_returning_ids(
        RemediationEvent,
        ["item_id", "from_status", "to_status", "actor_id", "at", "reason", "period"],
        [
            (c.item.ref, c.from_status, c.to_status, None, now, c.reason, c.period)
            for c in pending.events
        ],
    )
    db.insert_rows(  # the audit trail of the same moves: the system's, with their reasons
        AuditEvent,
        [
            "organization_id",
            "at",
            "actor_name",
            "record_type",
            "record_id",
            "record_label",
            "action",
            "reason",
            "changes",
        ],
        [
            (
                pending.owners[id(c.item)][0],
                now,
                "",
                AuditRecordType.REMEDIATION_ITEM.value,
                str(c.item.ref),
                f"{pending.owners[id(c.item)][1]} {c.item.kpi_code} {c.item.kind} ({c.to_status})",
                AuditAction.TRANSITIONED if c.from_status else AuditAction.CREATED,
                c.reason,
                {"status": [c.from_status or None, c.to_status]},
            )
            for c in pending.events
        ],
    )
    pending.right_ids = db.insert_rows_returning_ids(
        TerminationRight,
        [
            "organization_id",
            "contract_id",
            "vendor_id",
            "kpi_id",
            "periods",
            "raised_at",
            "withdrawn_reason",
        ],
        [
            (
                contract.organization_id,
                contract.pk,
                contract.vendor_id,
                catalog.get(contract.organization_id, code).pk,
                periods,
                now,
                "",
            )
            for contract, code, periods in pending.rights
        ],
    )
    for right_id, reason in pending.withdrawn:
        TerminationRight.objects.filter(pk=right_id, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_reason=reason
        )
    cards = [card for card, _, _ in pending.scorecards]
    for card, _, remediation_rows in pending.scorecards:
        card["snapshot"]["remediations"] = [
            {"id": item.ref, **state} for item, state in remediation_rows
        ]
    if cards:
        columns = list(cards[0])
        row_of = operator.itemgetter(*columns)
        ids = db.insert_rows_returning_ids(Scorecard, columns, [row_of(c) for c in cards])
        for card, pk in zip(cards, ids, strict=True):
            card["id"] = pk
        db.insert_rows(
            ScorecardKPI,
            ["scorecard_id", *KPI_COLUMNS],
            [(card["id"], *row) for card, rows, _ in pending.scorecards for row in rows],
        )
    summary.issued += len(cards)
    summary.scorecard_ids.extend(card["id"] for card in cards)
    summary.opened += len(new_ids)
    summary.escalated += sum(1 for c in pending.events if c.to_status == rm.ESCALATED)
    summary.closed += sum(1 for c in pending.events if c.to_status == rm.CLOSED)
    summary.termination_rights += len(pending.right_ids)
    summary.withdrawn_rights += len(pending.withdrawn)
    summary.withdrawn_scorecards += len(pending.uncovered)


def _notify(
    pending: _Pending,
    *,
    summary: EvaluationSummary,
    today: dt.date,
    catalog: vendor_selectors.KPICatalog,
) -> None:
    """After the commit: mail breaches, escalations and termination rights, then reminders.

    The messages are written from what the run knows and stored (items, vendors, KPIs), without
    reading the rows back.
    """

    def facts(item: rm.Item, organization_id: int, vendor_name: str) -> notifications.ItemFacts:
        kpi = catalog.get(organization_id, item.kpi_code)
        return notifications.ItemFacts(
            id=cast(int, item.ref),
            organization_id=organization_id,
            vendor_name=vendor_name,
            kpi_name=kpi.name,
            kpi_code=kpi.code,
            opened_period=item.opened_period,
            cure_deadline=item.cure_deadline,
            status=item.status,
        )

    messages = [
        notifications.breach_message(facts(item, org_id, contract.vendor.name))
        for item, contract, org_id, _ in pending.new_items
        if item.kind == RemediationKind.BREACH.value
    ]
    messages += [
        notifications.escalation_message(
            facts(c.item, *pending.owners[id(c.item)]), event_id=event_id, reason=c.reason
        )
        for c, event_id in zip(pending.events, pending.event_ids, strict=True)
        if c.to_status == rm.ESCALATED
    ]
    messages += [
        notifications.termination_right_message(
            organization_id=contract.organization_id,
            right_id=right_id,
            vendor_name=contract.vendor.name,
            kpi_name=catalog.get(contract.organization_id, code).name,
            periods=periods,
        )
        for (contract, code, periods), right_id in zip(
            pending.rights, pending.right_ids, strict=True
        )
    ]
    sent = notifications.messages_send(messages)
    sent += notifications.cure_reminders_send(today=today)
    summary.notifications += sent


def evaluate_report(*, report_id: int) -> EvaluationSummary:
    """Evaluate after one stored report: its vendor's periods, in order (one call per task)."""
    vendor_id = Report.objects.filter(pk=report_id).values_list("vendor_id", flat=True).first()
    if vendor_id is None:
        return EvaluationSummary()
    return evaluate(vendor_ids=[vendor_id])


def evaluate_reports(*, report_ids: list[int]) -> EvaluationSummary:
    """Evaluate after stored reports: every affected vendor's periods, in one batch run."""
    ids = sorted(set(report_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 2000):  # a network file stores 10,000 reports at once
        chunk = ids[start : start + 2000]
        found.update(Report.objects.filter(pk__in=chunk).values_list("vendor_id", flat=True))
    vendor_ids = sorted(found)
    if not vendor_ids:
        return EvaluationSummary()
    return evaluate(vendor_ids=vendor_ids)


def rescore_pending(
    *, pending_ids: list[int] | None = None, today: dt.date | None = None
) -> EvaluationSummary:
    """Re-evaluate the vendors of pending re-scoring rows (the given ones, or all) and delete
    the rows done; only scorecards whose inputs changed get new revisions."""
    rows = vendor_selectors.pending_rescores(ids=pending_ids)
    if not rows:
        return EvaluationSummary()
    # The run answers (deletes) every row of these vendors written before it read its inputs.
    return evaluate(vendor_ids=sorted({vendor_id for _, vendor_id in rows}), today=today)


def evaluate_daily(*, today: dt.date | None = None) -> EvaluationSummary:
    """The daily run: every month of every contract in force is measured once its report is
    due (a missing report gets a scorecard of not-reported KPIs), and re-scoring rows a lost
    message left behind are done. Idempotent: a second run the same day issues nothing."""
    return evaluate(today=today)
