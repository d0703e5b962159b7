"""Period fees, derived rates, service credits and what-ifs (domain.md sections 4 and 5).

Pure arithmetic on ``Decimal``: exact until ``to_cents`` rounds half-up when a fee is stored or
shown. Percentages are percent (6.0 means 6 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PERCENT_OF_COLLECTIONS = "percent_of_collections"
PER_CLAIM = "per_claim"
FLAT_MONTHLY = "flat_monthly"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PricingTerms:
    """A contract's pricing: the model, its parameter, optional monthly minimum and maximum."""

    pricing_model: str
    percent_of_collections: Decimal | None = None
    fee_per_claim: Decimal | None = None
    flat_monthly_fee: Decimal | None = None
    monthly_minimum: Decimal | None = None
    monthly_maximum: Decimal | None = None


def to_cents(amount: Decimal) -> Decimal:
    """Round money half-up to cents (only when it is stored or shown)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def formula_fee(
    terms: PricingTerms, *, payments: Decimal | None, claims_submitted: Decimal | None
) -> Decimal | None:
    """The pricing model's formula alone; None when the volume it needs is not reported."""
    if terms.pricing_model == PERCENT_OF_COLLECTIONS:
        if payments is None or terms.percent_of_collections is None:
            return None
        return payments * terms.percent_of_collections / HUNDRED
    if terms.pricing_model == PER_CLAIM:
        if claims_submitted is None or terms.fee_per_claim is None:
            return None
        return claims_submitted * terms.fee_per_claim
    if terms.pricing_model == FLAT_MONTHLY:
        return terms.flat_monthly_fee
    raise ValueError(f"Unknown pricing model {terms.pricing_model!r}.")


def period_fee(
    terms: PricingTerms, *, payments: Decimal | None, claims_submitted: Decimal | None
) -> Decimal | None:
    """The period fee: the model's formula, then the monthly minimum and maximum (exact)."""
    fee = formula_fee(terms, payments=payments, claims_submitted=claims_submitted)
    if fee is None:
        return None
    if terms.monthly_minimum is not None and fee < terms.monthly_minimum:
        fee = terms.monthly_minimum
    if terms.monthly_maximum is not None and fee > terms.monthly_maximum:
        fee = terms.monthly_maximum
    return fee


def effective_rate(fee: Decimal | None, payments: Decimal | None) -> Decimal | None:
    """Fee as a percent of collections (fee / payments x 100); None without payments."""
    if fee is None or not payments:
        return None
    return fee / payments * HUNDRED


def cost_per_claim(fee: Decimal | None, claims_submitted: Decimal | None) -> Decimal | None:
    """Fee per claim submitted; None without claims."""
    if fee is None or not claims_submitted:
        return None
    return fee / claims_submitted


def at_risk_amount(fee: Decimal, at_risk_percent: Decimal) -> Decimal:
    """The part of the period fee at risk for service credits."""
    return fee * at_risk_percent / HUNDRED


def service_credit(
    fee: Decimal | None, at_risk_percent: Decimal, breached_weight: Decimal
) -> Decimal:
    """Credit = fee x at_risk_percent/100 x sum(weights of breached KPIs)/100, capped at the
    at-risk amount (exact)."""
    if fee is None or breached_weight <= 0:
        return Decimal(0)
    at_risk = at_risk_amount(fee, at_risk_percent)
    return min(at_risk * breached_weight / HUNDRED, at_risk)


@dataclass(frozen=True)
class WhatIf:
    """A period fee under some pricing terms, with its derived rates (all exact)."""

    terms: PricingTerms
    fee: Decimal | None
    effective_rate: Decimal | None
    cost_per_claim: Decimal | None


def what_if(
    terms: PricingTerms, *, payments: Decimal | None, claims_submitted: Decimal | None
) -> WhatIf:
    """What a vendor's period would have cost under other pricing terms."""
    fee = period_fee(terms, payments=payments, claims_submitted=claims_submitted)
    return WhatIf(
        terms=terms,
        fee=fee,
        effective_rate=effective_rate(fee, payments),
        cost_per_claim=cost_per_claim(fee, claims_submitted),
    )


def what_if_over_periods(
    terms: PricingTerms,
    volumes: list[tuple[Decimal | None, Decimal | None]],
    *,
    payments: Decimal | None,
    claims_submitted: Decimal | None,
) -> WhatIf | None:
    """What a vendor's range of periods would have cost under other pricing terms: each
    period's ``(payments, claims submitted)`` priced on its own (minimum and maximum apply per
    month), added up; the rates against the range's totals. None when there is no period or a
    volume the model needs is missing in some month."""
    fees = [period_fee(terms, payments=p, claims_submitted=c) for p, c in volumes]
    if not fees or any(f is None for f in fees):
        return None
    total = sum((f for f in fees if f is not None), Decimal(0))
    return WhatIf(
        terms=terms,
        fee=total,
        effective_rate=effective_rate(total, payments),
        cost_per_claim=cost_per_claim(total, claims_submitted),
    )
