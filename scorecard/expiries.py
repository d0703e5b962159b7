"""BAA and security-assessment expiries (document 004's checklist): the one rule, for the
compliance page and the dashboard's alerts. Plain data in, plain data out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import ngettext

SECURITY_ASSESSMENT_VALID_DAYS = 365  # a security risk assessment is redone yearly
EXPIRY_WARNING_DAYS = 90  # "soon": at most this many days left
BAA = "Business associate agreement"
ASSESSMENT = "Security risk assessment"
ORDER = {"expired": 0, "missing": 1, "soon": 2, "valid": 3}


@dataclass(frozen=True)
class Expiry:
    """One of a vendor's dated documents: when it runs out and where that leaves it."""

    vendor: Any
    what: str
    kind: str  # "baa" or "assessment"
    due: dt.date | None
    state: str  # expired, missing, soon, valid
    days: int | None  # days left (negative: past)

    @property
    def days_ago(self) -> int | None:
        return -self.days if self.days is not None and self.days < 0 else None

    @property
    def text(self) -> str:
        """``expired 1 day ago``, ``expires in 2 days``, ``expires today``, ``missing``."""
        if self.days is None:
            return "missing"
        if self.days < 0:
            return ngettext("expired %(n)d day ago", "expired %(n)d days ago", -self.days) % {
                "n": -self.days
            }
        if self.days == 0:
            return "expires today"
        return ngettext("expires in %(n)d day", "expires in %(n)d days", self.days) % {
            "n": self.days
        }


def _state(days: int | None) -> str:
    if days is None:
        return "missing"
    return "expired" if days < 0 else "soon" if days <= EXPIRY_WARNING_DAYS else "valid"


def vendor_expiries(vendor: Any, today: dt.date) -> list[Expiry]:
    """The vendor's BAA and security-assessment expiries (an assessment holds a year)."""
    assessed = vendor.last_security_risk_assessment_on
    out = []
    for kind, what, due in (
        ("baa", BAA, vendor.baa_expires_on),
        (
            "assessment",
            ASSESSMENT,
            assessed + dt.timedelta(days=SECURITY_ASSESSMENT_VALID_DAYS) if assessed else None,
        ),
    ):
        days = (due - today).days if due is not None else None
        out.append(Expiry(vendor, what, kind, due, _state(days), days))
    return out


def soonest_first(expiries: list[Expiry]) -> list[Expiry]:
    """Expired, missing, soon, valid; within each, the soonest due first."""
    return sorted(expiries, key=lambda e: (ORDER[e.state], e.due or dt.date.max))
