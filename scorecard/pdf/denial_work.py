"""The "Denial work" section of the monthly PDF: one small function adding the ``denial_work``
key to the document's context (kept apart from ``document_context`` so that either can change
without the other).

Shown when the vendor-month has denial-work measures (its current log): the headline rates
beside the contract milestones, the ageing table, the top overdue denials by value (bounded,
``worklogs.selectors.OVERDUE_PDF``) and the 835 match. Amounts are claim values of the vendor's
own log, not fees, so the PDF without money shows them too.
"""

from __future__ import annotations

from typing import Any

from worklogs import selectors


def denial_work_context(vendor_id: int, period: str) -> dict[str, Any]:
    """``{"denial_work": ...}``: the section's strings, or None without measures (one query)."""
    m = selectors.current_measures(vendor_id, period)
    if m is None:
        return {"denial_work": None}
    return {
        "denial_work": {
            "log_version": m.log.version,
            "received": m.denials_received,
            "resolved": m.denials_resolved,
            "open": m.denials_open_at_end,
            "headline": selectors.milestone_lines(m),
            "ageing": selectors.ageing_rows(m),
            "overdue": selectors.overdue_rows(m, limit=selectors.OVERDUE_PDF),
            "overdue_count": m.overdue_count,
            "overdue_value": selectors.money_text(m.overdue_value_cents),
            "recovery_yield": selectors.rate_text(m.recovery_yield_rate),
            "overturn": selectors.rate_text(m.overturn_rate),
            "claim_match": selectors.claim_match_lines(m),
        }
    }
