"""Evidence beside the statement: the payers' evidence next to each KPI the vendor states.

One call from the evaluation (:func:`evidence_beside`), for one vendor, period and contract:

- for every contract KPI the evidence speaks to (``EVIDENCE_FOR_KPI``), the stated, recomputed
  and evidence values side by side (kept in the scorecard's snapshot under ``"evidence"``);
- an ``evidence_discrepancy`` finding when the value the report gives (recomputed, else stated)
  and the evidence differ by more than the tolerance of domain.md section 2 (0.5 points for a
  percent, 1 for days and hours: ``DISCREPANCY_TOLERANCE``);
- when the contract says so (``Contract.evaluate_with_evidence``) and the evidence covers the
  period (at least one adjudicated claim), the evidence value is the one evaluated, with the
  adjudicated claims as its volume (so the SLA term's minimum volume applies to it).

A vendor-period without stored claim payments is left exactly as the report gives it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from remittances.evidence import EVIDENCE_FOR_KPI, Evidence, vendor_evidence
from remittances.models import ClaimPayment
from scorecard.evaluation import Reading, Term
from vendors.ingest.checks import DISCREPANCY_TOLERANCE
from vendors.models import Contract, Vendor

FINDING = "evidence_discrepancy"


@dataclass(frozen=True)
class Beside:
    """What the evaluation takes from the evidence for one vendor-period."""

    readings: dict[str, Reading]
    findings: list[dict[str, Any]]
    snapshot: dict[str, Any] | None


def _s(value: Decimal | int | None) -> str | None:
    """Plain text of a number without trailing zeros: 7.000000 -> "7", 100 -> "100"."""
    if value is None:
        return None
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def measures(evidence: Evidence) -> dict[str, Any]:
    """The evidence KPIs of the period as JSON-ready data (cents and counts, rates as text)."""
    return {
        "adjudicated_claims": evidence.adjudicated_claims,
        "denied_claims": evidence.denied_claims,
        "denial_rate": _s(evidence.denial_rate),
        "first_pass_paid_rate": _s(evidence.first_pass_paid_rate),
        "payments_cents": evidence.payments_cents,
        "denied_cents": evidence.denied_cents,
        "line_denials": evidence.line_denials,
        "vendor_caused_denial_rate": _s(evidence.vendor_caused_denial_rate),
        "practice_caused_denial_rate": _s(evidence.practice_caused_denial_rate),
        "vendor_caused_denied_cents": evidence.vendor_caused_denied_cents,
        "practice_caused_denied_cents": evidence.practice_caused_denied_cents,
        "days_from_service_mean": _s(evidence.days_from_service_mean),
        "days_from_service_p90": evidence.days_from_service_p90,
        "days_from_receipt_mean": _s(evidence.days_from_receipt_mean),
        "days_from_receipt_p90": evidence.days_from_receipt_p90,
        "unknown_carcs": list(evidence.unknown_carcs),
    }


def _finding(term: Term, reported: Decimal, value: Decimal, tolerance: Decimal) -> dict[str, Any]:
    unit = "points" if term.unit == "percent" else term.unit.replace("_", " ")
    gap = abs(reported - value)
    return {
        "code": FINDING,
        "field": term.code,
        "message": f"The vendor's report gives {term.name.lower()} {reported.normalize():f}, but "
        f"the payers' remittances give {value.quantize(Decimal('0.01')).normalize():f}: "
        f"{gap.quantize(Decimal('0.01')).normalize():f} {unit} apart (tolerance {tolerance} "
        f"{unit}).",
        "stated": _s(reported),
        "expected": _s(value),
    }


def evidence_beside(
    *,
    vendor: Vendor,
    period: str,
    contract: Contract,
    terms: Sequence[Term],
    readings: Mapping[str, Reading],
    has_evidence: bool | None = None,
) -> Beside:
    """The readings to evaluate, the evidence findings and the snapshot of one vendor-period.

    ``has_evidence``: whether claims are stored for the vendor-period, when the caller read it
    for many at once (the evaluation does); None asks the database.
    """
    out = dict(readings)
    if has_evidence is None:
        has_evidence = ClaimPayment.objects.filter(vendor_id=vendor.pk, period=period).exists()
    if not has_evidence:
        return Beside(out, [], None)
    evidence = vendor_evidence(vendor, period)
    use = contract.evaluate_with_evidence and evidence.covered
    rows: dict[str, dict[str, Any]] = {}
    findings: list[dict[str, Any]] = []
    for term in terms:
        measure = EVIDENCE_FOR_KPI.get(term.code)
        if measure is None:
            continue
        value: Decimal | None = getattr(evidence, measure)
        reading = readings.get(term.code)
        stated = None if reading is None else reading.stated_value
        recomputed = None if reading is None else reading.recomputed_value
        reported = recomputed if recomputed is not None else stated
        evaluated = use and value is not None
        rows[term.code] = {
            "stated": _s(stated),
            "recomputed": _s(recomputed),
            "evidence": _s(value),
            "evaluated": "evidence" if evaluated else "report",
        }
        tolerance = DISCREPANCY_TOLERANCE.get(term.unit)
        apart = None if reported is None or value is None else abs(reported - value)
        if apart is not None and tolerance is not None and apart > tolerance:
            assert reported is not None and value is not None
            findings.append(_finding(term, reported, value, tolerance))
        if evaluated:
            out[term.code] = Reading(
                value, stated, recomputed, False, Decimal(evidence.adjudicated_claims)
            )
    return Beside(out, findings, {"kpis": rows, "measures": measures(evidence)})
