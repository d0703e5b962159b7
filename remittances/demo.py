"""Demo remittances: generated 835 files for the quickstart's demo months.

Summit RCM states a denial rate near 5 % (vendors/demo.py); its payers' remittances for
2026-08 to 2026-10 deny 4 of every 40 claims, 10 %: an evidence discrepancy of about 5 points
on those scorecards. The files are made by ``remittances.x12.generate`` (pyx12 validates them,
tests/remittances/test_demo.py) with fixed dates, so a second run stores nothing.
"""

from __future__ import annotations

import datetime as dt

from remittances.models import PayeeMapping
from remittances.services.imports import remittance_import
from remittances.services.payees import payee_mapping_create
from remittances.x12.generate import Adjustment, Claim, Line, Transaction, generate_835
from vendors import periods as bd
from vendors.models import Organization, Vendor

DEMO_VENDOR = "summit-rcm"
DEMO_PAYEE = ("XX", "1598765432", "SUMMIT RCM LLC")
DEMO_REMITTANCE_PERIODS = ("2026-08", "2026-09", "2026-10")
CLAIMS_PER_MONTH = 40
# The 4th of every 10 claims is denied in full, by these CARCs in turn (vendor, practice, ...).
DENIALS = ("16", "27", "4", "197")
PAYERS = (("ACME HEALTH PLAN", "87726"), ("BLUE MUTUAL", "60054"))


def _claim(period: str, i: int) -> Claim:
    start = bd.period_start(period)
    service = start + dt.timedelta(days=2 + i % 10)
    received = service + dt.timedelta(days=2)
    pcn = f"SUM-{period}-{i:03d}"
    if i % 10 == 3:
        carc = DENIALS[(i // 10) % len(DENIALS)]
        return Claim(
            pcn, "4", 15000, 0, f"P{period[2:4]}{period[5:]}{i:03d}",
            received_date=received,
            lines=(Line("HC:99213", 15000, 0, service_date=service,
                        adjustments=(Adjustment("CO", carc, 15000),)),),
        )  # fmt: skip
    return Claim(
        pcn, "1", 15000, 11000, f"P{period[2:4]}{period[5:]}{i:03d}",
        received_date=received,
        lines=(Line("HC:99213", 15000, 11000, service_date=service,
                    adjustments=(Adjustment("CO", "45", 4000),)),),
    )  # fmt: skip


def demo_835(period: str, number: int) -> bytes:
    """One month's 835 file: two payers (two transactions), paid on the 20th of the month."""
    paid = bd.period_start(period).replace(day=20)
    qualifier, payee_id, payee_name = DEMO_PAYEE
    transactions = [
        Transaction(
            name, payer_id, payee_name, payee_id, paid, f"TRN{period[:4]}{period[5:]}{k}",
            tuple(_claim(period, i) for i in range(k, CLAIMS_PER_MONTH, len(PAYERS))),
            payee_id_qualifier=qualifier,
        )
        for k, (name, payer_id) in enumerate(PAYERS)
    ]  # fmt: skip
    created = dt.datetime.combine(paid, dt.time(6, 0))
    return generate_835(transactions, interchange_control_number=number, created=created).encode(
        "ascii"
    )


def demo_remittances(org: Organization) -> int:
    """Map Summit RCM's payee and store its demo remittances; returns the files stored now."""
    vendor = Vendor.objects.get(organization=org, slug=DEMO_VENDOR)
    qualifier, payee_id, payee_name = DEMO_PAYEE
    if not PayeeMapping.objects.filter(
        organization=org, id_qualifier=qualifier, payee_id=payee_id
    ).exists():
        payee_mapping_create(
            organization=org,
            id_qualifier=qualifier,
            payee_id=payee_id,
            payee_name=payee_name,
            vendor=vendor,
        )
    stored = 0
    for number, period in enumerate(DEMO_REMITTANCE_PERIODS, start=1):
        result = remittance_import(
            organization=org,
            data=demo_835(period, 500 + number),
            file_name=f"summit-rcm_{period}.835",
        )
        stored += int(result.created)
    return stored
