"""The quickstart's demo remittances: valid 835s (pyx12), stored once, and Summit RCM's stated
denial rate better than its payers say (an evidence discrepancy)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from remittances.beside import evidence_beside
from remittances.demo import DEMO_REMITTANCE_PERIODS, demo_835, demo_remittances
from remittances.evidence import vendor_evidence
from scorecard.evaluation import Reading, Term
from tests.remittances.test_generate import pyx12_errors
from vendors import demo
from vendors.models import Contract, Vendor

pytestmark = pytest.mark.django_db


def test_pyx12_validates_the_demo_files() -> None:
    for number, period in enumerate(DEMO_REMITTANCE_PERIODS, start=1):
        assert pyx12_errors(demo_835(period, 500 + number).decode()) == (True, [])


def test_summit_s_payers_deny_twice_what_it_states(settings: Any) -> None:
    settings.RESCORE_TASK = ""
    org = demo.demo_setup()
    assert demo_remittances(org) == 3
    assert demo_remittances(org) == 0  # the same bytes: nothing changes
    summit = Vendor.objects.get(organization=org, slug="summit-rcm")
    ev = vendor_evidence(summit, "2026-10")
    # 40 claims; the 4th of every ten denied (i = 3, 13, 23, 33): 4 / 40 x 100 = 10
    assert (ev.adjudicated_claims, ev.denied_claims, ev.denial_rate) == (40, 4, Decimal(10))
    # CO-16 and CO-4 are the vendor's, CO-27 and CO-197 the practice's: 2 / 40 each = 5 %
    assert (ev.vendor_caused_denial_rate, ev.practice_caused_denial_rate) == (Decimal(5),) * 2
    # 36 paid x 110.00 = 3,960.00
    assert ev.payments_cents == 396000
    # The vendor states 5.1 % for 2026-10 (vendors/demo.py): 4.9 points from 10 -> a finding.
    contract = Contract.objects.filter(vendor=summit).first()
    assert contract is not None
    term = Term("denial_rate", "Denial rate", "percent", "lower", D8, D12, Decimal(20))
    beside = evidence_beside(
        vendor=summit, period="2026-10", contract=contract, terms=[term],
        readings={"denial_rate": Reading(Decimal("5.1"), Decimal("5.1"), None)},
    )  # fmt: skip
    assert [(f["code"], f["stated"], f["expected"]) for f in beside.findings] == [
        ("evidence_discrepancy", "5.1", "10")
    ]


D8, D12 = Decimal(8), Decimal(12)
