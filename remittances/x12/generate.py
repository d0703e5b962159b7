"""Demo 835 generator: valid ASC X12 005010X221A1 remittance files from a plain description.

Pure functions, no database. The demo (quickstart), the evidence tests and the benchmark describe
claims as :class:`Claim`, :class:`Line` and :class:`Adjustment` values grouped into
:class:`Transaction` values (one ST/SE each, one payer and one payee), and :func:`generate_835`
writes one interchange (ISA/GS ... GE/IEA) holding them, with the segment counts (SE01), the
transaction count (GE01), the group count (IEA01) and the control numbers filled in.

Amounts are integer cents. A claim must balance as an 835 does (charge - payment = the sum of
its claim-level and line-level adjustments, and a line's charge - payment = the sum of its
adjustments); an unbalanced description is refused with a ``ValueError`` naming the claim, so a
demo or test file never says something a payer could not have sent. The payment (BPR02) is the
sum of the claims' payments; ST03 is left out because pyx12 4.0.0's map marks it "Not Used"
(the version travels in GS08); a transaction whose payments sum below zero is refused (that
would need a PLB provider adjustment, which this generator does not write).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

SEGMENT_TERMINATOR = "~"
ELEMENT_SEPARATOR = "*"
COMPONENT_SEPARATOR = ":"
REPETITION_SEPARATOR = "^"


@dataclass(frozen=True)
class Adjustment:
    """One CAS triple: group code (CO, PR, OA, PI, CR), CARC and amount in cents."""

    group_code: str
    carc: str
    amount_cents: int
    quantity: int | None = None


@dataclass(frozen=True)
class Line:
    """One service line (loop 2110, SVC): procedure written like ``HC:99213``."""

    procedure_code: str
    charge_cents: int
    payment_cents: int
    units: int = 1
    service_date: dt.date | None = None
    adjustments: tuple[Adjustment, ...] = ()
    remark_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """One claim payment (loop 2100, CLP)."""

    patient_control_number: str
    status_code: str
    charge_cents: int
    payment_cents: int
    payer_claim_control_number: str
    patient_responsibility_cents: int = 0
    filing_indicator: str = "12"
    patient_last_name: str = "DOE"
    patient_first_name: str = "JANE"
    member_id: str = "M0001"
    service_start: dt.date | None = None
    service_end: dt.date | None = None
    received_date: dt.date | None = None
    adjustments: tuple[Adjustment, ...] = ()
    lines: tuple[Line, ...] = ()
    remark_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transaction:
    """One ST/SE transaction: a payer's payment to one payee, dated ``payment_date`` (BPR16)."""

    payer_name: str
    payer_id: str
    payee_name: str
    payee_id: str
    payment_date: dt.date
    trace_number: str
    claims: tuple[Claim, ...] = field(default_factory=tuple)
    payee_id_qualifier: str = "XX"


def amount(cents: int) -> str:
    """An X12 ``R`` amount from cents: 12345 -> ``123.45``, 10000 -> ``100``, -550 -> ``-5.5``."""
    text = format(Decimal(cents).scaleb(-2), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _d8(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _seg(*elements: str) -> str:
    """A segment with its trailing empty elements dropped."""
    items = list(elements)
    while items and items[-1] == "":
        items.pop()
    return ELEMENT_SEPARATOR.join(items) + SEGMENT_TERMINATOR


def _cas_segments(adjustments: Sequence[Adjustment]) -> list[str]:
    """CAS segments: one per group code, up to six triples each (a seventh starts a new CAS)."""
    by_group: dict[str, list[Adjustment]] = {}
    for adj in adjustments:
        by_group.setdefault(adj.group_code, []).append(adj)
    segments = []
    for group, adjs in by_group.items():
        for start in range(0, len(adjs), 6):
            elements = [group]
            for adj in adjs[start : start + 6]:
                qty = "" if adj.quantity is None else str(adj.quantity)
                elements += [adj.carc, amount(adj.amount_cents), qty]
            segments.append(_seg("CAS", *elements))
    return segments


def check_balanced(claim: Claim) -> None:
    """Refuse a claim whose amounts do not balance as a payer's 835 does."""
    name = claim.patient_control_number
    for number, line in enumerate(claim.lines, start=1):
        adjusted = sum(a.amount_cents for a in line.adjustments)
        if line.charge_cents - line.payment_cents != adjusted:
            raise ValueError(
                f"claim {name} line {number}: charge - payment"
                f" ({line.charge_cents - line.payment_cents} cents) is not the sum of its"
                f" adjustments ({adjusted} cents)"
            )
    adjusted = sum(a.amount_cents for a in claim.adjustments) + sum(
        a.amount_cents for line in claim.lines for a in line.adjustments
    )
    if claim.charge_cents - claim.payment_cents != adjusted:
        raise ValueError(
            f"claim {name}: charge - payment ({claim.charge_cents - claim.payment_cents} cents)"
            f" is not the sum of its adjustments ({adjusted} cents)"
        )


def _line_segments(line: Line) -> list[str]:
    segments = [
        _seg(
            "SVC",
            line.procedure_code,
            amount(line.charge_cents),
            amount(line.payment_cents),
            "",
            str(line.units),
        )
    ]
    if line.service_date is not None:
        segments.append(_seg("DTM", "472", _d8(line.service_date)))
    segments += _cas_segments(line.adjustments)
    segments += [_seg("LQ", "HE", code) for code in line.remark_codes]
    return segments


def _claim_segments(claim: Claim) -> list[str]:
    check_balanced(claim)
    segments = [
        _seg(
            "CLP",
            claim.patient_control_number,
            claim.status_code,
            amount(claim.charge_cents),
            amount(claim.payment_cents),
            amount(claim.patient_responsibility_cents)
            if claim.patient_responsibility_cents
            else "",
            claim.filing_indicator,
            claim.payer_claim_control_number,
            "11",
            "1",
        )
    ]
    segments += _cas_segments(claim.adjustments)
    segments.append(
        _seg(
            "NM1", "QC", "1", claim.patient_last_name, claim.patient_first_name, "", "", "", "MI",
            claim.member_id,
        )
    )  # fmt: skip
    if claim.remark_codes:
        segments.append(_seg("MOA", "", "", *claim.remark_codes[:5]))
    if claim.service_start is not None:
        segments.append(_seg("DTM", "232", _d8(claim.service_start)))
    if claim.service_end is not None:
        segments.append(_seg("DTM", "233", _d8(claim.service_end)))
    if claim.received_date is not None:
        segments.append(_seg("DTM", "050", _d8(claim.received_date)))
    for line in claim.lines:
        segments += _line_segments(line)
    return segments


def transaction_segments(transaction: Transaction, control_number: str) -> list[str]:
    """The segments of one ST/SE transaction, SE01 counting ST and SE themselves."""
    total = sum(c.payment_cents for c in transaction.claims)
    if total < 0:
        raise ValueError(
            f"transaction {control_number}: the payments sum to {total} cents, below zero"
        )
    method = ("I", "C", "CHK") if total > 0 else ("H", "C", "NON")
    body = [
        _seg("ST", "835", control_number),
        _seg(
            "BPR",
            method[0],
            amount(total),
            method[1],
            method[2],
            *[""] * 11,
            _d8(transaction.payment_date),
        ),
        _seg("TRN", "1", transaction.trace_number, "1" + transaction.payer_id.rjust(9, "0")[-9:]),
        _seg("N1", "PR", transaction.payer_name),
        _seg("N3", "1 PAYER WAY"),
        _seg("N4", "SPRINGFIELD", "IL", "62701"),
        _seg("REF", "2U", transaction.payer_id),
        _seg("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100"),
        _seg(
            "N1", "PE", transaction.payee_name, transaction.payee_id_qualifier, transaction.payee_id
        ),
    ]
    for number, claim in enumerate(transaction.claims, start=1):
        if number == 1:
            body.append(_seg("LX", "1"))
        body += _claim_segments(claim)
    body.append(_seg("SE", str(len(body) + 1), control_number))
    return body


def generate_835(
    transactions: Sequence[Transaction],
    *,
    interchange_control_number: int = 1,
    created: dt.datetime | None = None,
    sender_id: str = "PAYERSENDER",
    receiver_id: str = "PRACTICE",
) -> str:
    """One 835 interchange holding ``transactions`` (one functional group), one segment a line."""
    if not transactions:
        raise ValueError("an 835 file needs at least one transaction")
    if not 0 < interchange_control_number < 10**9:
        raise ValueError("the interchange control number must be 1..999999999")
    created = created or dt.datetime(2026, 1, 1, 12, 0)
    icn = f"{interchange_control_number:09d}"
    group = str(interchange_control_number)
    isa = _seg(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender_id.ljust(15)[:15], "ZZ",
        receiver_id.ljust(15)[:15], created.strftime("%y%m%d"), created.strftime("%H%M"),
        REPETITION_SEPARATOR, "00501", icn, "0", "P", COMPONENT_SEPARATOR,
    )  # fmt: skip
    segments = [
        isa,
        _seg(
            "GS",
            "HP",
            sender_id,
            receiver_id,
            created.strftime("%Y%m%d"),
            created.strftime("%H%M"),
            group,
            "X",
            "005010X221A1",
        ),
    ]
    for number, transaction in enumerate(transactions, start=1):
        segments += transaction_segments(transaction, f"{number:04d}")
    segments.append(_seg("GE", str(len(transactions)), group))
    segments.append(_seg("IEA", "1", icn))
    return "\n".join(segments) + "\n"
