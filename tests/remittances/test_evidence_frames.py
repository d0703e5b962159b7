"""Evidence KPIs as pure functions over DataFrames, on a month worked out by hand.

The month (2026-01, one vendor) is the one of ``files/evid_2026_01_a.835`` and ``_b.835``:

file a, transaction 1 (ACME, id 87726, paid 2026-01-20)
  C1 paid           status 1  charge 100.00  paid 80.00  CO-45 20.00   svc 01-05, rec 01-08
  C2 partial        status 1  charge 200.00  paid 90.00  PR-1 30.00 CO-45 80.00 svc 01-06, rec 01-10
  C3 denied (claim) status 4  charge 150.00  paid 0      CO-16 150.00  svc 01-02, rec 01-06
  C4 denied line    status 1  charge 300.00  paid 100.00 line 1 150/100 CO-45 50;
                                                  line 2 150/0 CO-4 150; line dates 01-07, no rec
file a, transaction 2 (OTHER, id 60054, paid 2026-01-22)
  C5 paid 0, whole charge CO-27 (denied although status 1)  charge 120.00  svc 01-03, rec 01-09
  C6 original       status 1  charge 100.00  paid 60.00  CO-45 40.00    svc 01-12, rec 01-15
file b, transaction 1 (OTHER, paid 2026-01-29)
  C6 reversal       status 22 charge -100.00 paid -60.00 CO-45 -40.00
  C6 correction     status 1  charge 100.00  paid 70.00  CO-45 30.00
file b, transaction 2 (SECOND, id 99999, paid 2026-01-29)
  C1 secondary      status 2  charge 100.00  paid 15.00  OA-23 80.00 PR-2 5.00
  C8 all deductible status 1  charge 50.00   paid 0      PR-1 50.00     svc 01-20, rec 01-22
  C9 denied         status 4  charge 80.00   paid 0      CO-B99 80.00 (no such row in the table)
                                                          svc 01-10, rec 01-12
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from remittances.evidence import CarcCount, compute_evidence, frames_from_rows, p90_days, rate

D = dt.date
TABLE = {
    ("45", "CO"): ("contractual", "payer"),
    ("1", ""): ("patient_responsibility", "patient"),
    ("2", ""): ("patient_responsibility", "patient"),
    ("16", ""): ("billing_submission", "vendor"),
    ("4", ""): ("coding", "vendor"),
    ("27", ""): ("eligibility_registration", "practice"),
    ("23", ""): ("other", "payer"),
}


def month_rows() -> tuple[list[dict], list[dict], list[dict]]:
    claims: list[dict] = []
    adjustments: list[dict] = []
    lines: list[dict] = []

    def claim(pcn, status, charge, paid, payer, day, file, dates=(None, None)):
        service, received = (*dates, None)[:2]
        claims.append(
            {
                "id": len(claims) + 1, "period": "2026-01", "status_code": status,
                "charge_cents": charge, "payment_cents": paid, "payer_id": payer,
                "payer_name": payer, "patient_control_number": pcn, "payment_date": day,
                "received_date": received, "service_start": service,
                "remittance_file_id": file, "sequence": len(claims) + 1,
            }
        )  # fmt: skip
        return len(claims)

    def adj(claim_id, group, carc, cents, line_id=None):
        adjustments.append(
            {"id": len(adjustments) + 1, "claim_id": claim_id, "line_id": line_id,
             "group_code": group, "carc": carc, "amount_cents": cents}
        )  # fmt: skip

    def line(claim_id, charge, paid):
        lines.append({"id": len(lines) + 1, "claim_id": claim_id, "charge_cents": charge,
                      "payment_cents": paid})  # fmt: skip
        return len(lines)

    jan20, jan22, jan29 = D(2026, 1, 20), D(2026, 1, 22), D(2026, 1, 29)
    c = claim("C1", "1", 10000, 8000, "87726", jan20, 1, (D(2026, 1, 5), D(2026, 1, 8)))
    adj(c, "CO", "45", 2000)
    c = claim("C2", "1", 20000, 9000, "87726", jan20, 1, (D(2026, 1, 6), D(2026, 1, 10)))
    adj(c, "PR", "1", 3000)
    adj(c, "CO", "45", 8000)
    c = claim("C3", "4", 15000, 0, "87726", jan20, 1, (D(2026, 1, 2), D(2026, 1, 6)))
    adj(c, "CO", "16", 15000)
    c = claim("C4", "1", 30000, 10000, "87726", jan20, 1, (D(2026, 1, 7),))
    adj(c, "CO", "45", 5000, line(c, 15000, 10000))
    adj(c, "CO", "4", 15000, line(c, 15000, 0))
    c = claim("C5", "1", 12000, 0, "60054", jan22, 1, (D(2026, 1, 3), D(2026, 1, 9)))
    adj(c, "CO", "27", 12000)
    c = claim("C6", "1", 10000, 6000, "60054", jan22, 1, (D(2026, 1, 12), D(2026, 1, 15)))
    adj(c, "CO", "45", 4000)
    c = claim("C6", "22", -10000, -6000, "60054", jan29, 2, (D(2026, 1, 12), D(2026, 1, 15)))
    adj(c, "CO", "45", -4000)
    c = claim("C6", "1", 10000, 7000, "60054", jan29, 2, (D(2026, 1, 12), D(2026, 1, 15)))
    adj(c, "CO", "45", 3000)
    c = claim("C1", "2", 10000, 1500, "99999", jan29, 2, (D(2026, 1, 5),))
    adj(c, "OA", "23", 8000)
    adj(c, "PR", "2", 500)
    c = claim("C8", "1", 5000, 0, "99999", jan29, 2, (D(2026, 1, 20), D(2026, 1, 22)))
    adj(c, "PR", "1", 5000)
    c = claim("C9", "4", 8000, 0, "99999", jan29, 2, (D(2026, 1, 10), D(2026, 1, 12)))
    adj(c, "CO", "B99", 8000)
    return claims, adjustments, lines


def test_the_month_worked_out_by_hand() -> None:
    ev = compute_evidence("2026-01", *frames_from_rows(*month_rows()), TABLE)
    # First adjudications: C1 C2 C3 C4 C5 C6(original) C1@SECOND C8 C9; the reversal (22) is
    # none and the correction of C6 is the same claim (payer 60054, PCN C6) again. C1 at SECOND
    # is status 2 (secondary): not a new claim. Adjudicated: C1 C2 C3 C4 C5 C6 C8 C9 = 8.
    assert ev.adjudicated_claims == 8
    assert ev.secondary_claims == 1
    # Denied in full: C3 (status 4), C5 (paid 0, 120.00 of 120.00 under CO), C9 (status 4) = 3;
    # C8 paid 0 but under PR: not denied. 3 / 8 x 100 = 37.5
    assert ev.denied_claims == 3
    assert ev.denial_rate == Decimal("37.5")
    # First-pass paid: C1 C2 C4 C6 (the original paid 60.00) = 4; 4 / 8 x 100 = 50
    assert ev.first_pass_paid_claims == 4
    assert ev.first_pass_paid_rate == Decimal(50)
    # Payments, every row of the month: 80 + 90 + 0 + 100 + 0 + 60 - 60 + 70 + 15 + 0 + 0 = 355.00
    assert ev.payments_cents == 35500
    # Denied amount: C3 150.00 + C5 120.00 + C9 80.00 = 350.00
    assert ev.denied_cents == 35000
    # Line-level denials: C4 line 2, 150.00 (C3's and C9's are claim denials, not lines)
    assert (ev.line_denials, ev.line_denied_cents) == (1, 15000)
    # Days from service: C1 20-5=15, C2 20-6=14, C3 20-2=18, C4 20-7=13, C5 22-3=19,
    # C6 22-12=10 (the original's payment), C8 29-20=9, C9 29-10=19: sum 117 / 8 = 14.625;
    # p90 nearest rank ceil(0.9 x 8) = 8th of 9 10 13 14 15 18 19 19 -> 19
    assert ev.days_from_service_mean == Decimal("14.625")
    assert ev.days_from_service_p90 == 19
    # Days from receipt (C4 has none): C1 12, C2 10, C3 14, C5 13, C6 7, C8 7, C9 17: 80 / 7;
    # p90 rank ceil(6.3) = 7th of 7 7 10 12 13 14 17 -> 17
    assert ev.days_from_receipt_mean == Decimal(80) / Decimal(7)
    assert ev.days_from_receipt_p90 == 17
    # Responsibility: C3 CO-16 vendor, C5 CO-27 practice, C9 CO-B99 unknown (unassigned).
    assert (ev.vendor_caused_denials, ev.vendor_caused_denied_cents) == (1, 15000)
    assert ev.vendor_caused_denial_rate == Decimal("12.5")
    assert (ev.practice_caused_denials, ev.practice_caused_denied_cents) == (1, 12000)
    assert ev.practice_caused_denial_rate == Decimal("12.5")
    assert ev.by_party == {"vendor": (1, 15000), "practice": (1, 12000), "unassigned": (1, 8000)}
    assert ev.by_category == {
        "billing_submission": (1, 15000),
        "eligibility_registration": (1, 12000),
        "other": (1, 8000),
    }
    assert ev.by_payer == {"87726": (1, 15000), "60054": (1, 12000), "99999": (1, 8000)}
    # Top CARCs (denied claims and the denied line): one adjustment each; by amount then code.
    assert ev.top_carcs_by_count == (
        CarcCount("CO", "16", 1, 15000, "billing_submission", "vendor"),
        CarcCount("CO", "4", 1, 15000, "coding", "vendor"),
        CarcCount("CO", "27", 1, 12000, "eligibility_registration", "practice"),
        CarcCount("CO", "B99", 1, 8000, "other", None),
    )
    assert ev.unknown_carcs == ("CO-B99",)
    assert ev.covered is True


def test_a_correction_in_a_later_month_is_not_a_new_claim() -> None:
    claims, adjustments, lines = month_rows()
    for row in claims:
        if row["remittance_file_id"] == 2:  # file b paid in February instead
            row["period"], row["payment_date"] = "2026-02", D(2026, 2, 3)
    frames = frames_from_rows(claims, adjustments, lines)
    feb = compute_evidence("2026-02", *frames, TABLE)
    # February's first adjudications: C8, C9 (C6's correction is January's claim again; C1 at
    # SECOND is secondary). Denied: C9. 1 / 2 x 100 = 50. Payments: -60 + 70 + 15 = 25.00
    assert feb.adjudicated_claims == 2
    assert feb.denial_rate == Decimal(50)
    assert feb.payments_cents == 2500
    jan = compute_evidence("2026-01", *frames, TABLE)
    # January: C1..C6 = 6 claims, denied C3 C5 = 2: 2 / 6 x 100
    assert jan.adjudicated_claims == 6
    assert jan.denial_rate == Decimal(200) / Decimal(6)


def test_nothing_to_divide_and_the_p90_rank() -> None:
    empty = compute_evidence("2026-03", *frames_from_rows(*month_rows()), TABLE)
    assert (empty.adjudicated_claims, empty.denial_rate, empty.covered) == (0, None, False)
    assert empty.days_from_service_p90 is None
    assert rate(1, 0) is None
    # nearest rank: n = 10 -> 9th; n = 11 -> ceil(9.9) = 10th; n = 1 -> 1st
    assert p90_days(pd.Series(range(1, 11))) == 9
    assert p90_days(pd.Series(range(1, 12))) == 10
    assert p90_days(pd.Series([4])) == 4
