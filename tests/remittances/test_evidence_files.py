"""Evidence KPIs from stored hand-written 835 files, every number worked out by hand.

``evid_2026_01_a.835`` and ``evid_2026_01_b.835`` hold the month described claim by claim in
``test_evidence_frames.py`` (two files in one month, two transactions in each: paid, partially
paid with PR, denied at claim level, denied at line level only, paid 0 with the whole charge
under CO, a reversal (22) and its correction, a secondary payer (2), all-deductible PR, an
unknown CARC). Here they go through the real reader and store, and the shipped CARC table.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from remittances.evidence import CarcCount, vendor_evidence
from remittances.services.carcs import carc_rule_create
from remittances.services.imports import remittance_import
from tests.remittances.helpers import Practice, data, practice
from vendors.models import PendingRescore

pytestmark = pytest.mark.django_db


def _store(names: list[str]) -> Practice:
    p = practice()
    for name in names:
        remittance_import(organization=p.organization, data=data(name), file_name=name)
    return p


@pytest.mark.parametrize("order", [["a", "b"], ["b", "a"]], ids=["a-then-b", "b-then-a"])
def test_two_files_in_one_month(order: list[str]) -> None:
    p = _store([f"evid_2026_01_{x}.835" for x in order])
    ev = vendor_evidence(p.good, "2026-01")
    # Adjudicated (first adjudications by the primary payer): C1 C2 C3 C4 C5 C6 C8 C9 = 8; the
    # reversal is none, C6's correction is C6 again, C1 at SECOND MUTUAL is status 2.
    assert (ev.adjudicated_claims, ev.secondary_claims) == (8, 1)
    # Denied: C3 (4), C5 (0 paid, 120.00 of 120.00 under CO-27), C9 (4): 3 / 8 x 100 = 37.5
    assert (ev.denied_claims, ev.denial_rate) == (3, Decimal("37.5"))
    # First-pass paid: C1 C2 C4 C6 = 4 / 8 x 100 = 50
    assert (ev.first_pass_paid_claims, ev.first_pass_paid_rate) == (4, Decimal(50))
    # BPR02s: 270.00 + 60.00 (file a) + 10.00 + 15.00 (file b) = 355.00
    assert ev.payments_cents == 35500
    # Denied: 150.00 + 120.00 + 80.00; line: C4's HC:93000 150.00
    assert (ev.denied_cents, ev.line_denials, ev.line_denied_cents) == (35000, 1, 15000)
    # From service: 15 14 18 13 19 10 9 19 -> 117 / 8; p90: 8th of 8 sorted -> 19
    assert (ev.days_from_service_mean, ev.days_from_service_p90) == (Decimal("14.625"), 19)
    # From receipt (C4 has no DTM*050): 12 10 14 13 7 7 17 -> 80 / 7; p90: 7th of 7 -> 17
    assert ev.days_from_receipt_mean == Decimal(80) / Decimal(7)
    assert ev.days_from_receipt_p90 == 17
    # Shipped table: CO-16 billing_submission/vendor, CO-27 eligibility/practice, B99 unknown.
    assert ev.by_party == {"vendor": (1, 15000), "practice": (1, 12000), "unassigned": (1, 8000)}
    assert (ev.vendor_caused_denial_rate, ev.practice_caused_denial_rate) == (
        Decimal("12.5"),
        Decimal("12.5"),
    )
    assert ev.by_payer == {
        "ACME HEALTH PLAN": (1, 15000),
        "OTHER CARE": (1, 12000),
        "SECOND MUTUAL": (1, 8000),
    }
    assert ev.top_carcs_by_amount[:2] == (
        CarcCount("CO", "16", 1, 15000, "billing_submission", "vendor"),
        CarcCount("CO", "4", 1, 15000, "coding", "vendor"),
    )
    assert ev.unknown_carcs == ("CO-B99",)


def test_the_organization_s_row_moves_a_denial_to_another_party(settings: Any) -> None:
    settings.RESCORE_TASK = ""
    p = _store(["evid_2026_01_a.835", "evid_2026_01_b.835"])
    PendingRescore.objects.all().delete()
    carc_rule_create(
        organization=p.organization,
        carc="B99",
        category="billing_submission",
        responsible_party="vendor",
    )
    ev = vendor_evidence(p.good, "2026-01")
    # C3 (CO-16) and now C9 (CO-B99): 2 / 8 x 100 = 25; 150.00 + 80.00
    assert (ev.vendor_caused_denials, ev.vendor_caused_denied_cents) == (2, 23000)
    assert ev.vendor_caused_denial_rate == Decimal(25)
    assert ev.unknown_carcs == ()
    # The change re-scores the organization's vendors from its first month with claims.
    pending = PendingRescore.objects.filter(vendor=p.good).get()
    assert (pending.from_period, pending.reason) == ("2026-01", "CARC table changed")


def test_a_reversal_and_correction_next_month_and_other_payers_files() -> None:
    # p13read's files: paid.835 (2026-01), denied.835 (2026-01), secondary.835 (2026-01),
    # reversal.835 (2026-02: PCN-PAID 22 and its correction).
    p = _store(["paid.835", "denied.835", "secondary.835", "reversal.835"])
    jan = vendor_evidence(p.good, "2026-01")
    # January: PCN-PAID, PCN-PART, PCN-DENY, PCN-LINE = 4 (PCN-PART at SECOND MUTUAL is
    # status 2). Denied: PCN-DENY (4) = 1 / 4 x 100 = 25. First-pass paid: PAID, PART, LINE.
    assert (jan.adjudicated_claims, jan.denied_claims, jan.denial_rate) == (4, 1, Decimal(25))
    assert jan.first_pass_paid_rate == Decimal(75)
    # Payments: 330.00 + 100.00 + 30.00 = 460.00; PCN-LINE's HC:93000 150.00 denied (CO-50)
    assert jan.payments_cents == 46000
    assert (jan.line_denials, jan.line_denied_cents) == (1, 15000)
    feb = vendor_evidence(p.good, "2026-02")
    # February: the reversal and the correction of January's PCN-PAID: no new claim, 10.00 paid.
    assert (feb.adjudicated_claims, feb.denial_rate, feb.covered) == (0, None, False)
    assert feb.payments_cents == 1000
