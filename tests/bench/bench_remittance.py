"""Benchmark: 835 files holding 100,000 claim payments (generated), validated, stored and
measured for one month, beside pyx12's validation alone and edi-835-parser's parse.

Run with ``uv run pytest -m bench -s tests/bench/bench_remittance.py``
(``BENCH_REMITTANCE_CLAIMS=5000`` for a shorter run). It prints seconds and peak traced memory
(tracemalloc, on every side alike) and asserts only correctness: our stored claim count and
charge and payment totals agree with edi-835-parser's, a second reader of the same files.
Target: the whole (validate + store + compute the month) within 2x of pyx12's validation alone.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pyx12.params
import pyx12.x12n_document
from django.db.models import Sum

from remittances.evidence import vendor_evidence
from remittances.models import ClaimPayment
from remittances.services.imports import remittance_import
from remittances.services.payees import payee_mapping_create
from remittances.x12.generate import Adjustment, Claim, Line, Transaction, generate_835
from tests.factories import OrganizationFactory, VendorFactory

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

CLAIMS = int(os.environ.get("BENCH_REMITTANCE_CLAIMS", "100000"))
PER_FILE = 5_000
PAYEE = "1234567893"


def _claim(i: int) -> Claim:
    service = dt.date(2026, 1, 1) + dt.timedelta(days=i % 20)
    if i % 10 == 3:
        adj = (Adjustment("CO", ("16", "27", "4", "197")[i // 10 % 4], 15000),)
        line = Line("HC:99213", 15000, 0, service_date=service, adjustments=adj)
        return Claim(f"B{i:07d}", "4", 15000, 0, f"P{i:07d}", received_date=service, lines=(line,))
    return Claim(f"B{i:07d}", "1", 15000, 11000, f"P{i:07d}", received_date=service,
                 lines=(Line("HC:99213", 15000, 11000, service_date=service,
                             adjustments=(Adjustment("CO", "45", 4000),)),))  # fmt: skip


def _files(tmp: Path) -> list[Path]:
    paths = []
    for n, start in enumerate(range(0, CLAIMS, PER_FILE), start=1):
        claims = tuple(_claim(i) for i in range(start, min(start + PER_FILE, CLAIMS)))
        tx = Transaction("ACME HEALTH PLAN", "87726", "BENCH BILLING", PAYEE,
                         dt.date(2026, 1, 28), f"T{n}", claims)  # fmt: skip
        path = tmp / f"bench_{n:03d}.835"
        path.write_text(generate_835([tx], interchange_control_number=n))
        paths.append(path)
    return paths


def _measure(work: Callable[[], Any]) -> tuple[Any, float, float]:
    tracemalloc.start()
    began = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def test_remittance_benchmark(tmp_path: Path, settings: Any) -> None:
    settings.RESCORE_TASK = ""
    settings.REMITTANCE_MAX_BYTES = 256 * 2**20
    paths = _files(tmp_path)
    size = sum(p.stat().st_size for p in paths) / 2**20
    org = OrganizationFactory()
    vendor = VendorFactory(organization=org)
    payee_mapping_create(organization=org, id_qualifier="XX", payee_id=PAYEE, vendor=vendor)

    def pyx12_alone() -> bool:
        ok = True
        for path in paths:
            out = io.StringIO()
            ok &= pyx12.x12n_document.x12n_document(
                pyx12.params.params(), str(path), None, None, fd_json=out
            )
        return ok

    def ours() -> Any:
        for path in paths:
            remittance_import(organization=org, data=path.read_bytes(), file_name=path.name)
        return vendor_evidence(vendor, "2026-01")

    def second_reader() -> tuple[int, Decimal, Decimal]:
        from edi_835_parser import parse

        count, charge, paid = 0, Decimal(0), Decimal(0)
        for path in paths:
            for ts in parse(str(path)).transaction_sets:
                for loop in ts.claims:
                    count += 1
                    charge += Decimal(repr(loop.claim.charge_amount))
                    paid += Decimal(repr(loop.claim.paid_amount))
        return count, charge, paid

    valid, t_pyx12, m_pyx12 = _measure(pyx12_alone)
    evidence, t_ours, m_ours = _measure(ours)
    (n, charge, paid), t_other, m_other = _measure(second_reader)

    assert valid is True
    stored = ClaimPayment.objects.filter(vendor=vendor)
    totals = stored.aggregate(c=Sum("charge_cents"), p=Sum("payment_cents"))
    assert stored.count() == n == CLAIMS
    assert (Decimal(totals["c"]) / 100, Decimal(totals["p"]) / 100) == (charge, paid)
    assert evidence.adjudicated_claims == CLAIMS
    assert evidence.denied_claims == CLAIMS // 10 + (1 if CLAIMS % 10 > 3 else 0)
    print(f"\n835 benchmark: {CLAIMS:,} claim payments in {len(paths)} files ({size:.1f} MiB)")
    print(f"  pyx12 validation alone      {t_pyx12:8.2f} s  peak {m_pyx12:7.1f} MiB")
    print(f"  ours: validate+store+month  {t_ours:8.2f} s  peak {m_ours:7.1f} MiB"
          f"  ({t_ours / t_pyx12:.2f}x pyx12 alone; target <= 2x)")  # fmt: skip
    print(f"  edi-835-parser parse        {t_other:8.2f} s  peak {m_other:7.1f} MiB"
          f"  (claims {n:,}, charges {charge}, paid {paid}: equal to ours)")  # fmt: skip
