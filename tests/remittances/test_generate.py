"""The demo 835 generator writes files pyx12's own validator accepts, with the right counts."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import pyx12.params
import pyx12.x12n_document

from remittances.x12.generate import Adjustment, Claim, Line, Transaction, amount, generate_835

D = dt.date


def pyx12_errors(text: str) -> tuple[bool, list[str]]:
    """pyx12's verdict on an 835 text and every error string it gives (segment and element)."""
    out = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(text), None, None, fd_json=out
    )
    errors: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "errors":
                    errors.extend(str(e.get("err_str", e)) for e in value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(out.getvalue()))
    return ok, errors


def co45(cents: int) -> Adjustment:
    return Adjustment("CO", "45", cents)


PAID = Claim(
    "PAID1", "1", 10000, 8000, "P-1",
    lines=(Line("HC:99213", 10000, 8000, service_date=D(2026, 1, 5), adjustments=(co45(2000),)),),
)  # fmt: skip
PARTIAL = Claim(
    "PART1", "1", 20000, 9000, "P-2", patient_responsibility_cents=3000,
    service_start=D(2026, 1, 6), service_end=D(2026, 1, 6), received_date=D(2026, 1, 8),
    adjustments=(Adjustment("PR", "1", 3000), co45(8000)),
    remark_codes=("MA01",),
)  # fmt: skip
DENIED_CLAIM = Claim(
    "DEN1", "4", 15000, 0, "P-3", adjustments=(Adjustment("CO", "16", 15000),),
    remark_codes=("MA130",),
)  # fmt: skip
DENIED_LINE = Claim(
    "DENL1", "1", 30000, 10000, "P-4",
    lines=(
        Line("HC:99214", 15000, 10000, service_date=D(2026, 1, 7), adjustments=(co45(5000),)),
        Line("HC:93000", 15000, 0, service_date=D(2026, 1, 7),
             adjustments=(Adjustment("CO", "4", 15000),), remark_codes=("M15",)),
    ),
)  # fmt: skip
ORIGINAL_PAID = Claim("REV1", "1", 10000, 6000, "P-5", adjustments=(co45(4000),))
REVERSAL = Claim("REV1", "22", -10000, -6000, "P-5", adjustments=(co45(-4000),))
CORRECTION = Claim("REV1", "1", 10000, 7000, "P-5B", adjustments=(co45(3000),))
SECONDARY = Claim(
    "SEC1", "2", 10000, 1500, "S-1", patient_responsibility_cents=500,
    adjustments=(Adjustment("OA", "23", 8000), Adjustment("PR", "2", 500)),
)  # fmt: skip
MANY_CAS = Claim(
    "CAS1", "1", 10000, 3000, "P-6",
    adjustments=tuple(
        Adjustment("CO", c, 1000) for c in ("45", "59", "94", "97", "131", "253", "A1")
    ),
)  # fmt: skip


def tx(
    claims: tuple[Claim, ...], *, payee: str = "1234567893", payer: str = "ACME HEALTH"
) -> Transaction:
    return Transaction(payer, "87726", "NORTHWIND CLINIC", payee, D(2026, 1, 20), "TRACE1", claims)


@pytest.mark.parametrize(
    "transactions",
    [
        pytest.param([tx((PAID,))], id="paid"),
        pytest.param([tx((PARTIAL,))], id="partial-with-PR-and-remarks"),
        pytest.param([tx((PAID, DENIED_CLAIM))], id="denied-claim"),
        pytest.param([tx((DENIED_LINE,))], id="denied-line"),
        pytest.param([tx((ORIGINAL_PAID,)), tx((REVERSAL, CORRECTION))], id="reversal-correction"),
        pytest.param([tx((SECONDARY,), payer="SECOND PAYER")], id="secondary"),
        pytest.param([tx((MANY_CAS,))], id="seven-adjustments-two-CAS"),
        pytest.param(
            [
                tx((PAID,)),
                tx((PARTIAL,), payer="OTHER PAYER"),
                tx((DENIED_CLAIM,), payee="1999999984"),
            ],
            id="several-transactions",
        ),
    ],
)
def test_pyx12_validates_what_the_generator_writes(transactions: list[Transaction]) -> None:
    text = generate_835(transactions, interchange_control_number=42)
    ok, errors = pyx12_errors(text)
    assert errors == []
    assert ok is True
    segments = [s.strip() for s in text.split("~") if s.strip()]
    # One ST ... SE per transaction; SE01 counts its segments, ST and SE included.
    starts = [i for i, s in enumerate(segments) if s.startswith("ST*")]
    ends = [i for i, s in enumerate(segments) if s.startswith("SE*")]
    assert len(starts) == len(ends) == len(transactions)
    for number, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
        assert segments[end] == f"SE*{end - start + 1}*{number:04d}"
    assert segments[-2] == f"GE*{len(transactions)}*42"
    assert segments[-1] == "IEA*1*000000042"
    assert segments[0].split("*")[13] == "000000042"


def test_the_payment_is_the_sum_of_the_claims_and_amounts_are_x12_decimals() -> None:
    # ORIGINAL 60.00 + REVERSAL -60.00 + CORRECTION 70.00 -> BPR02 70
    text = generate_835([tx((ORIGINAL_PAID, REVERSAL, CORRECTION))])
    assert "BPR*I*70*C*CHK************20260120~" in text
    assert "CLP*REV1*22*-100*-60**12*P-5*11*1~" in text
    assert "CAS*CO*45*-40~" in text
    assert [amount(12345), amount(10000), amount(-550), amount(0), amount(7)] == [
        "123.45", "100", "-5.5", "0", "0.07",
    ]  # fmt: skip
    # Seven CO triples: six in the first CAS, the seventh in a second one.
    text = generate_835([tx((MANY_CAS,))])
    assert "CAS*CO*45*10**59*10**94*10**97*10**131*10**253*10~\nCAS*CO*A1*10~" in text


def test_an_unbalanced_claim_or_negative_payment_is_refused() -> None:
    bad = Claim("BAD1", "1", 10000, 8000, "X", adjustments=(co45(1000),))
    with pytest.raises(
        ValueError,
        match=r"claim BAD1: charge - payment \(2000 cents\) is not the sum of its adjustments"
        r" \(1000 cents\)",
    ):
        generate_835([tx((bad,))])
    bad_line = Claim(
        "BAD2", "1", 10000, 8000, "X", lines=(Line("HC:1", 10000, 8000, adjustments=(co45(1),)),)
    )
    with pytest.raises(ValueError, match=r"claim BAD2 line 1: charge - payment"):
        generate_835([tx((bad_line,))])
    with pytest.raises(ValueError, match=r"transaction 0001: the payments sum to -6000 cents"):
        generate_835([tx((REVERSAL,))])


def test_pyx12_refuses_a_file_whose_counts_the_generator_would_have_set() -> None:
    # The check is not vacuous: the same file with a wrong SE01 fails the validator.
    text = generate_835([tx((PAID,))]).replace("SE*16*0001", "SE*15*0001")
    ok, errors = pyx12_errors(text)
    assert ok is False
    assert errors == ["SE count of 15 for SE02=0001 is wrong. I count 16"]
