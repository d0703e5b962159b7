"""Rows to write: a month's inputs hash and, when its inputs changed, the new revision's
scorecard row, KPI rows and remediation state (stored by ``write``)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from scorecard import evaluation as ev
from scorecard import pricing
from vendors.models import Contract

from . import remediation_step
from .common import SIX, four, money, text

if TYPE_CHECKING:
    from .periods import Outcome, Run, VendorState


def issue(
    run: Run,
    state: VendorState,
    period: str,
    contract: Contract,
    *,
    outcome: Outcome,
    runs_before: dict[str, list[str]],
) -> None:
    """Hash the month's inputs; when they changed, step remediation and add the new revision."""
    inputs = run.inputs
    only = inputs.scope.only
    if only is not None and period != only:
        return
    report = state.reports.get(period)
    rights_through = list(state.rights)
    report_info = (
        None
        if report is None
        else {
            "id": report["id"],
            "version": report["version"],
            "received_at": report["received_at"].isoformat(),
        }
    )
    findings = [{k: text(v) for k, v in f.items()} for f in (report["findings"] if report else [])]
    findings += outcome.beside.findings
    sha = _inputs_sha256(outcome, report_info, findings, rights_through)
    vendor_id = state.vendor.pk
    existing = inputs.current.get((vendor_id, period))
    if existing is not None and existing[2] == sha and existing[1] == contract.pk:
        run.summary.unchanged += 1
        return
    # Remediation steps through each period once, in order; a month first measured as missing
    # steps again when its report arrives (its statuses are new facts).
    step = (
        vendor_id not in inputs.through
        or period > inputs.through[vendor_id]
        or (existing is not None and existing[3] is None and report is not None)
    )
    remediation_rows = remediation_step.step_month(
        run, state, period, contract, outcome=outcome, runs_before=runs_before, step=step
    )
    rev = inputs.max_revision.get((vendor_id, period), 0) + 1
    inputs.max_revision[(vendor_id, period)] = rev
    if existing is not None:
        run.pending.superseded.append(existing[0])
    card = _card(state, period, contract, outcome=outcome, report_info=report_info)
    card.update(revision=rev, inputs_sha256=sha, issued_at=inputs.now)
    card["snapshot"].update(findings=findings, termination_rights=rights_through)
    run.pending.scorecards.append((card, _kpi_rows(outcome.result), remediation_rows))
    if existing is not None:
        run.pending.replaced.append((existing[0], card))


def _inputs_sha256(
    outcome: Outcome,
    report_info: dict[str, Any] | None,
    findings: list[dict[str, Any]],
    rights_through: list[dict[str, Any]],
) -> str:
    """Every input of a scorecard: vendor, contract and terms (digested once per contract), the
    report's values and findings, lateness and the history used."""
    digest = hashlib.sha256(outcome.ctx.digest)
    digest.update(
        repr(
            (
                report_info,
                sorted(outcome.values.items()),
                findings,
                outcome.late,
                outcome.due,
                sorted(outcome.history.items()),
                [(r["kpi"], r["periods"]) for r in rights_through],
                outcome.beside.snapshot,
            )
        ).encode()
    )
    return digest.hexdigest()


def _card(
    state: VendorState,
    period: str,
    contract: Contract,
    *,
    outcome: Outcome,
    report_info: dict[str, Any] | None,
) -> dict[str, Any]:
    """The scorecard row (revision, hash and issue time set by the caller)."""
    vendor, result = state.vendor, outcome.result
    payments = outcome.raw.get("payments")
    claims = outcome.raw.get("claims_submitted")
    fee = pricing.period_fee(outcome.ctx.pricing, payments=payments, claims_submitted=claims)
    credit = pricing.service_credit(fee, contract.at_risk_percent, result.breached_weight)
    at_risk = None if fee is None else money(pricing.at_risk_amount(fee, contract.at_risk_percent))
    snapshot = {
        "vendor": {"id": vendor.pk, "slug": vendor.slug, "name": vendor.name},
        "contract": outcome.ctx.snapshot,
        "report": report_info,
        "findings": [],
        "payments": text(payments),
        "claims_submitted": text(claims),
        "at_risk_amount": text(at_risk),
        "breached_weight": str(result.breached_weight),
        "termination_rights": [],
        "evidence": outcome.beside.snapshot,
    }
    return {
        "organization_id": vendor.organization_id,
        "contract_id": contract.pk,
        "vendor_id": vendor.pk,
        "period": period,
        "revision": 0,
        "is_current": True,
        "report_id": report_info["id"] if report_info else None,
        "inputs_sha256": "",
        "overall_score": result.overall_score,
        "standing": result.standing,
        "report_late": outcome.late,
        "report_due_date": outcome.due,
        "currency": contract.currency,
        "fee": money(fee),
        "credit": money(credit) if fee is not None else None,
        "effective_rate": four(pricing.effective_rate(fee, payments)),
        "cost_per_claim": four(pricing.cost_per_claim(fee, claims)),
        "snapshot": snapshot,
        "issued_at": None,
        "superseded_at": None,
    }


def _kpi_rows(result: ev.PeriodResult) -> list[tuple[Any, ...]]:
    """The KPI rows of a revision, in ``KPI_COLUMNS`` order."""
    return [
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
            None if k.trailing_3m_average is None else k.trailing_3m_average.quantize(SIX),
            k.term.display_order,
        )
        for k in result.kpis
    ]
