"""Reads of the payers' evidence, scoped to the user's organizations (``scope_for_user``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from remittances.models import (
    ClaimAdjustment,
    ClaimPayment,
    PayeeMapping,
    RemittanceFile,
    ServiceLine,
)
from vendors.selectors import scope_for_user


def remittance_file_list(*, user: Any) -> QuerySet[RemittanceFile]:
    """Received 835 files the user may see."""
    return scope_for_user(RemittanceFile.objects.select_related("organization"), user)


def claim_payment_list(*, user: Any) -> QuerySet[ClaimPayment]:
    """Claim payments the user may see, lines and adjustments loaded once."""
    return scope_for_user(
        ClaimPayment.objects.select_related("vendor", "organization").prefetch_related(
            Prefetch(
                "adjustments",
                queryset=ClaimAdjustment.objects.filter(line__isnull=True).order_by("id"),
                to_attr="claim_adjustments",
            ),
            Prefetch(
                "lines",
                queryset=ServiceLine.objects.order_by("line_number").prefetch_related(
                    Prefetch("adjustments", queryset=ClaimAdjustment.objects.order_by("id"))
                ),
            ),
        ),
        user,
    )


def payee_mapping_list(*, user: Any) -> QuerySet[PayeeMapping]:
    """Payee mappings the user may see."""
    return scope_for_user(PayeeMapping.objects.select_related("organization", "vendor"), user)


def claims_with_carc(carc: str) -> QuerySet[Any]:
    """Ids of the claims with an adjustment of this reason code (claim or line level)."""
    return ClaimAdjustment.objects.filter(carc=carc).values("claim_id")


def evidence_periods(*, vendor_ids: list[int]) -> frozenset[tuple[int, str]]:
    """The (vendor id, period) pairs with stored claim payments, for these vendors, in one query."""
    rows = (
        ClaimPayment.objects.filter(vendor_id__in=vendor_ids)
        .values_list("vendor_id", "period")
        .distinct()
    )
    return frozenset(rows)
