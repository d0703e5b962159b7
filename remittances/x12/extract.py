"""What a validated 835 says, claim by claim: a walk over its segments (after pyx12 validated them).

Amounts become integer cents (an amount with more than two decimals is refused, never rounded);
dates are CCYYMMDD. The 835's balancing rules are checked, so that no number is misread silently:
per service line, charge minus payment equals the line's adjustments; per claim, charge minus
payment equals all its adjustments (claim and line level); per transaction, the BPR total equals
the claims' payments minus the provider adjustments (PLB).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .validate import RemittanceRefused, Separators, X12Error


@dataclass
class Adjustment:
    group_code: str
    carc: str
    amount_cents: int
    quantity: Decimal | None


@dataclass
class Line:
    line_number: int
    procedure_code: str
    charge_cents: int
    payment_cents: int
    units: Decimal | None
    segment: int
    service_date: dt.date | None = None
    remark_codes: list[str] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)


@dataclass
class Claim:
    patient_control_number: str
    status_code: str
    charge_cents: int
    payment_cents: int
    patient_responsibility_cents: int
    claim_filing_indicator: str
    payer_claim_control_number: str
    segment: int
    received_date: dt.date | None = None
    service_start: dt.date | None = None
    service_end: dt.date | None = None
    remark_codes: list[str] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


@dataclass
class Transaction:
    control_number: str
    segment: int
    total_cents: int = 0
    payment_date: dt.date | None = None
    payer_name: str = ""
    payer_id: str = ""
    payee_name: str = ""
    payee_id_qualifier: str = ""
    payee_id: str = ""
    provider_adjustment_cents: int = 0
    claims: list[Claim] = field(default_factory=list)


@dataclass
class Remittance:
    interchange_control_number: str
    transactions: list[Transaction] = field(default_factory=list)


def _element(seg: list[str], index: int) -> str:
    return seg[index].strip() if index < len(seg) else ""


def _cents(seg: list[str], index: int, number: int, *, optional: bool = False) -> int:
    text = _element(seg, index)
    name = f"{seg[0].strip()}{index:02d}"
    if not text and optional:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RemittanceRefused(
            [X12Error(f"{name} {text!r} is not an amount.", number, seg[0].strip())]
        ) from None
    cents = value * 100
    if not value.is_finite() or cents != cents.to_integral_value():
        raise RemittanceRefused(
            [
                X12Error(
                    f"{name} {text!r} has more than two decimals; amounts are in cents.",
                    number,
                    seg[0].strip(),
                )
            ]
        )
    return int(cents)


def _quantity(seg: list[str], index: int) -> Decimal | None:
    text = _element(seg, index)
    return Decimal(text) if text else None


def _date(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


class _Walk:
    """The state of the walk: where we are (transaction, claim, line)."""

    def __init__(self, seps: Separators) -> None:
        self.seps = seps
        self.remittance = Remittance(interchange_control_number="")
        self.transaction: Transaction | None = None
        self.claim: Claim | None = None
        self.line: Line | None = None
        self.party = ""  # the N1 loop we are in (PR payer, PE payee)

    # --- Envelope and header ------------------------------------------------------------------
    def isa(self, seg: list[str], number: int) -> None:
        self.remittance.interchange_control_number = _element(seg, 13)

    def st(self, seg: list[str], number: int) -> None:
        self.transaction = Transaction(control_number=_element(seg, 2), segment=number)
        self.remittance.transactions.append(self.transaction)
        self.claim = self.line = None
        self.party = ""

    def bpr(self, seg: list[str], number: int) -> None:
        assert self.transaction is not None
        self.transaction.total_cents = _cents(seg, 2, number)
        self.transaction.payment_date = _date(_element(seg, 16))

    def n1(self, seg: list[str], number: int) -> None:
        assert self.transaction is not None
        self.party = _element(seg, 1)
        if self.party == "PR":
            self.transaction.payer_name = _element(seg, 2)
            self.transaction.payer_id = _element(seg, 4)
        elif self.party == "PE":
            self.transaction.payee_name = _element(seg, 2)
            self.transaction.payee_id_qualifier = _element(seg, 3)
            self.transaction.payee_id = _element(seg, 4)

    def ref(self, seg: list[str], number: int) -> None:
        if self.transaction is None or self.claim is not None:
            return
        if self.party == "PR" and _element(seg, 1) == "2U" and not self.transaction.payer_id:
            self.transaction.payer_id = _element(seg, 2)

    def plb(self, seg: list[str], number: int) -> None:
        assert self.transaction is not None
        self.claim = self.line = None
        for index in range(4, 15, 2):
            if _element(seg, index):
                self.transaction.provider_adjustment_cents += _cents(seg, index, number)

    # --- Claims, lines, adjustments -----------------------------------------------------------
    def clp(self, seg: list[str], number: int) -> None:
        assert self.transaction is not None
        self.line = None
        self.claim = Claim(
            patient_control_number=_element(seg, 1),
            status_code=_element(seg, 2),
            charge_cents=_cents(seg, 3, number),
            payment_cents=_cents(seg, 4, number),
            patient_responsibility_cents=_cents(seg, 5, number, optional=True),
            claim_filing_indicator=_element(seg, 6),
            payer_claim_control_number=_element(seg, 7),
            segment=number,
        )
        self.transaction.claims.append(self.claim)

    def svc(self, seg: list[str], number: int) -> None:
        assert self.claim is not None
        self.line = Line(
            line_number=len(self.claim.lines) + 1,
            procedure_code=_element(seg, 1).replace(self.seps.sub_element, ":"),
            charge_cents=_cents(seg, 2, number),
            payment_cents=_cents(seg, 3, number),
            units=_quantity(seg, 5),
            segment=number,
        )
        self.claim.lines.append(self.line)

    def cas(self, seg: list[str], number: int) -> None:
        assert self.claim is not None
        target = self.line.adjustments if self.line is not None else self.claim.adjustments
        group = _element(seg, 1)
        for index in range(2, 19, 3):  # up to six (reason, amount, quantity) triples
            if _element(seg, index):
                target.append(
                    Adjustment(
                        group_code=group,
                        carc=_element(seg, index),
                        amount_cents=_cents(seg, index + 1, number),
                        quantity=_quantity(seg, index + 2),
                    )
                )

    def dtm(self, seg: list[str], number: int) -> None:
        if self.claim is None:
            return
        qualifier, value = _element(seg, 1), _element(seg, 2)
        if self.line is not None:
            if qualifier in ("472", "150") and self.line.service_date is None:
                self.line.service_date = _date(value)
            return
        if qualifier == "050":
            self.claim.received_date = _date(value)
        elif qualifier == "232":
            self.claim.service_start = _date(value)
        elif qualifier == "233":
            self.claim.service_end = _date(value)

    def moa(self, seg: list[str], number: int) -> None:
        assert self.claim is not None
        self.claim.remark_codes += [_element(seg, i) for i in range(3, 8) if _element(seg, i)]

    def mia(self, seg: list[str], number: int) -> None:
        assert self.claim is not None
        indexes = (5, 20, 21, 22, 23)
        self.claim.remark_codes += [_element(seg, i) for i in indexes if _element(seg, i)]

    def lq(self, seg: list[str], number: int) -> None:
        if self.line is not None and _element(seg, 2):
            self.line.remark_codes.append(_element(seg, 2))


def _service_dates(claim: Claim) -> None:
    """Claim service dates: DTM*232/233, else the first and last of the lines' DTM*472."""
    days = [line.service_date for line in claim.lines if line.service_date is not None]
    if claim.service_start is None and days:
        claim.service_start = min(days)
    if claim.service_end is None:
        claim.service_end = max(days) if days else claim.service_start


def _balance_errors(transaction: Transaction) -> list[X12Error]:
    """The 835's balancing rules (TR3 section 1.10.2), each broken one as an error."""
    errors: list[X12Error] = []
    for claim in transaction.claims:
        for line in claim.lines:
            adjusted = sum(a.amount_cents for a in line.adjustments)
            if line.charge_cents - line.payment_cents != adjusted:
                errors.append(
                    X12Error(
                        f"Service line {line.line_number} of claim "
                        f"{claim.patient_control_number!r} does not balance: charge "
                        f"{line.charge_cents / 100:.2f} - payment {line.payment_cents / 100:.2f}"
                        f" != adjustments {adjusted / 100:.2f}.",
                        line.segment,
                        "SVC",
                    )
                )
        adjusted = sum(a.amount_cents for a in claim.adjustments) + sum(
            a.amount_cents for line in claim.lines for a in line.adjustments
        )
        if claim.charge_cents - claim.payment_cents != adjusted:
            errors.append(
                X12Error(
                    f"Claim {claim.patient_control_number!r} does not balance: charge "
                    f"{claim.charge_cents / 100:.2f} - payment {claim.payment_cents / 100:.2f} "
                    f"!= adjustments {adjusted / 100:.2f}.",
                    claim.segment,
                    "CLP",
                )
            )
    paid = sum(c.payment_cents for c in transaction.claims) - transaction.provider_adjustment_cents
    if paid != transaction.total_cents:
        errors.append(
            X12Error(
                f"Transaction {transaction.control_number} does not balance: BPR02 "
                f"{transaction.total_cents / 100:.2f} != claim payments minus provider "
                f"adjustments {paid / 100:.2f}.",
                transaction.segment,
                "ST",
            )
        )
    return errors


def extract(segments: list[list[str]], seps: Separators) -> Remittance:
    """The remittance's transactions and claims (the file was validated by pyx12 before)."""
    walk = _Walk(seps)
    for number, seg in enumerate(segments, start=1):
        handler = getattr(walk, seg[0].strip().lower(), None)
        if handler is not None and seg[0].strip() in _READ:
            handler(seg, number)
    errors: list[X12Error] = []
    for transaction in walk.remittance.transactions:
        for claim in transaction.claims:
            _service_dates(claim)
        errors += _balance_errors(transaction)
    if errors:
        raise RemittanceRefused(errors)
    return walk.remittance


_READ = {"ISA", "ST", "BPR", "N1", "REF", "PLB", "CLP", "SVC", "CAS", "DTM", "MOA", "MIA", "LQ"}
