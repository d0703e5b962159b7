"""Reading X12 835 remittances (005010X221A1): limits, pyx12's validation, then extraction."""

from __future__ import annotations

from .extract import Adjustment, Claim, Line, Remittance, Transaction, extract
from .validate import (
    RemittanceRefused,
    X12Error,
    check_envelope,
    check_text,
    decode,
    pyx12_errors,
    segments,
    separators,
    without_st03,
)

__all__ = [
    "Adjustment",
    "Claim",
    "Line",
    "Remittance",
    "RemittanceRefused",
    "Transaction",
    "X12Error",
    "looks_like_x12",
    "read_835",
]


def looks_like_x12(data: bytes, name: str = "") -> bool:
    """Whether a received file is meant as an X12 file (content starts "ISA", or its extension)."""
    return data.lstrip()[:3] == b"ISA" or name.lower().endswith((".835", ".edi", ".x12"))


def read_835(data: bytes) -> Remittance:
    """The remittance a file holds, or ``RemittanceRefused`` with every reason (nothing read)."""
    text = decode(data)
    seps = separators(text)
    check_text(text, seps)
    segs = segments(text, seps)
    check_envelope(segs)
    errors = pyx12_errors(without_st03(text, seps))
    if errors:
        raise RemittanceRefused(errors)
    return extract(segs, seps)
