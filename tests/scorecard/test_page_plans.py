"""Query plans of the page and list reads for a large organization on PostgreSQL: the indexes
added for them are used (EXPLAIN after ANALYZE), not a scan and sort of the whole history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from scorecard import page_selectors
from scorecard.models import RemediationItem, Scorecard, TerminationRight
from tests.factories import OrganizationFactory
from vendors import periods as bd
from vendors.models import Contract, KPIDefinition, Vendor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

VENDORS = 400
MONTHS = 24


def _large_organization() -> Any:
    """400 vendors with 24 months of current scorecards, bulk inserted, analyzed;
    a second organization beside it of the same size."""
    now = timezone.now()
    periods = bd.periods_ending("2026-10", MONTHS)
    kpi = KPIDefinition.objects.filter(organization=None).order_by("code").first()
    orgs = [OrganizationFactory(), OrganizationFactory()]
    for org in orgs:
        vendors = Vendor.objects.bulk_create(
            [Vendor(organization=org, name=f"V{n:04d}", slug=f"v{n:04d}") for n in range(VENDORS)]
        )
        contracts = Contract.objects.bulk_create(
            [
                Contract(
                    organization=org,
                    vendor=v,
                    start_date=dt.date(2024, 1, 1),
                    pricing_model="flat_monthly",
                    flat_monthly_fee=D("1000"),
                )
                for v in vendors
            ]
        )
        Scorecard.objects.bulk_create(
            [
                Scorecard(organization=org, contract=c, vendor=c.vendor, period=p, revision=1,
                          inputs_sha256="0" * 64, issued_at=now)
                for c in contracts
                for p in periods
            ],
            batch_size=2000,
        )  # fmt: skip
        RemediationItem.objects.bulk_create(
            [
                RemediationItem(organization=org, contract=c, vendor=c.vendor, kpi=kpi,
                                kind="breach", status="closed", opened_period=p)
                for c in contracts
                for p in periods[::6]
            ]
        )  # fmt: skip
        TerminationRight.objects.bulk_create(
            [
                TerminationRight(organization=org, contract=c, vendor=c.vendor, kpi=kpi,
                                 periods=[p], raised_at=now, withdrawn_at=now)
                for c in contracts
                for p in periods[::6]
            ]
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return orgs[0]


def _plan(queryset: Any) -> str:
    return str(queryset.explain())


def test_page_reads_use_their_indexes_on_postgresql(settings: Any) -> None:
    settings.RESCORE_TASK = ""
    org = _large_organization()
    newest = _plan(
        Vendor.objects.filter(organization=org)
        .annotate(newest_card_id=page_selectors._newest_card_id())
        .order_by("name")
    )
    assert "scorecard_vendor_newest" in newest, newest
    cards = _plan(
        Scorecard.objects.filter(organization=org, is_current=True).order_by("-period")[:100]
    )
    assert "scorecard_org_period" in cards, cards
    items = _plan(
        RemediationItem.objects.filter(organization=org).order_by("opened_period", "id")[:100]
    )
    assert "remediation_org_opened" in items, items
    rights = _plan(
        TerminationRight.objects.filter(organization=org).order_by("-raised_at", "-id")[:50]
    )
    assert "termination_org_raised" in rights, rights
