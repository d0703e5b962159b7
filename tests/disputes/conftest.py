"""A world for disputes: Acme's January 2026 scorecard with days in A/R breached (60 days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D
from typing import Any

import pytest

from scorecard.models import RemediationItem, Scorecard
from scorecard.services.evaluation import evaluate
from tests.factories import ContractFactory, VendorFactory, member
from tests.scorecard.helpers import report
from vendors.models import Contract, Role


@dataclass
class DisputeWorld:
    """Acme's vendor user (the vendor side), organization A's admin, compliance and viewer, a
    vendor user of Bolt (same organization) and organization B's admin."""

    vendor: Any
    bolt_user: Any
    admin: Any
    compliance: Any
    viewer: Any
    stranger: Any
    contract: Contract
    card: Scorecard
    item: RemediationItem


@pytest.fixture
def dworld(org: Any, other_org: Any, settings: Any) -> DisputeWorld:
    settings.RESCORE_TASK = ""
    contract = ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 31),
    )
    report(contract.vendor, "2026-01", days_in_ar=D("60"))
    evaluate(vendor_ids=[contract.vendor_id])
    bolt = VendorFactory(organization=org, slug="bolt", name="Bolt")
    return DisputeWorld(
        vendor=member(org, Role.VENDOR, vendor=contract.vendor, user__username="val"),
        bolt_user=member(org, Role.VENDOR, vendor=bolt, user__username="bo"),
        admin=member(org, Role.ADMIN, user__username="ann", user__email="ann@a.test"),
        compliance=member(org, Role.COMPLIANCE, user__username="cora"),
        viewer=member(org, Role.VIEWER, user__username="vic"),
        stranger=member(other_org, Role.ADMIN, user__username="sam"),
        contract=contract,
        card=Scorecard.objects.get(vendor=contract.vendor, period="2026-01"),
        item=RemediationItem.objects.get(vendor=contract.vendor),
    )
