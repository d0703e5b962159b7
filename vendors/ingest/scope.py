"""Which vendor and which period an upload may store (domain.md section 6); pure, no ORM, no now().

An upload is for one vendor unless it is a multi-vendor upload: a ``vendor`` column naming
another vendor is an error, never a silent switch. Only finished months that a contract of the
vendor covers are stored; the caller passes today's date and the vendors' contract spans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vendors import periods

from .errors import FileError
from .headers import normalize


@dataclass(frozen=True)
class VendorRef:
    """A vendor as matching needs it: its id, slug and name."""

    pk: int
    slug: str
    name: str


@dataclass(frozen=True)
class Placed:
    """Where a vendor key or a vendor-period first appears in the file, and how often."""

    row: int
    count: int


def _first_rows[K](items: Iterable[tuple[K, int]]) -> dict[K, Placed]:
    found: dict[K, Placed] = {}
    for key, row in items:
        seen = found.get(key)
        found[key] = Placed(row, 1) if seen is None else Placed(seen.row, seen.count + 1)
    return found


def _rows_text(placed: Placed) -> str:
    if placed.count == 1:
        return f"row {placed.row}"
    return f"row {placed.row} and {placed.count - 1:,} more row{'s' if placed.count > 2 else ''}"


def resolve_vendors(
    keys: Sequence[tuple[str | None, int]],
    *,
    candidates: Sequence[VendorRef],
    upload_vendor: VendorRef | None,
    multi_vendor: bool,
    organization_name: str,
    column: str,
) -> tuple[dict[str | None, int], list[FileError]]:
    """Map each vendor key of the file (with the row it is on) to a vendor id, or explain why not.

    ``keys`` holds (the ``vendor`` cell, or None when the file has no vendor column; its row).
    A single-vendor upload stores only ``upload_vendor``: a key naming anything else is an error
    at the key's first row. A multi-vendor upload maps keys (slug or name, compared as headers
    are) to ``candidates``, the organization's vendors; an unknown or ambiguous key is an error.
    """
    placed = _first_rows(keys)
    errors: list[FileError] = []
    found: dict[str | None, int] = {}
    if None in placed:  # no vendor column: the upload's vendor, if there is one
        if upload_vendor is None:
            errors.append(
                FileError(
                    None,
                    column,
                    "the file has no vendor column; name the vendor this upload is for",
                )
            )
        else:
            found[None] = upload_vendor.pk
    named = sorted(k for k in placed if k is not None)
    if not named:
        return found, errors
    if not multi_vendor:
        if upload_vendor is None:
            errors.append(
                FileError(
                    None,
                    column,
                    "name the vendor this upload is for, or send the file as a multi-vendor "
                    "upload (its vendor column then names each row's vendor)",
                )
            )
            return found, errors
        _single_vendor(
            named, placed, upload_vendor=upload_vendor, column=column, found=found, errors=errors
        )
        return found, errors
    _multi_vendor(
        named,
        placed,
        candidates=candidates,
        organization_name=organization_name,
        column=column,
        found=found,
        errors=errors,
    )
    return found, errors


def _single_vendor(
    named: list[str],
    placed: dict[str | None, Placed],
    *,
    upload_vendor: VendorRef,
    column: str,
    found: dict[str | None, int],
    errors: list[FileError],
) -> None:
    """A single-vendor upload: every key must name the upload's vendor."""
    own = {normalize(upload_vendor.slug), normalize(upload_vendor.name)}
    for key in named:
        if normalize(key) in own:
            found[key] = upload_vendor.pk
            continue
        at = placed[key]
        errors.append(
            FileError(
                at.row,
                column,
                f"the file names the vendor '{key}' ({_rows_text(at)}) but this upload is for "
                f"{upload_vendor.name} ({upload_vendor.slug}); nothing is stored for another "
                "vendor. Send a file covering several vendors as a multi-vendor upload",
            )
        )


def _multi_vendor(
    named: list[str],
    placed: dict[str | None, Placed],
    *,
    candidates: Sequence[VendorRef],
    organization_name: str,
    column: str,
    found: dict[str | None, int],
    errors: list[FileError],
) -> None:
    """A multi-vendor upload: each key names one of the organization's vendors."""
    index: dict[str, set[int]] = {}
    by_pk = {v.pk: v for v in candidates}
    for v in candidates:
        index.setdefault(normalize(v.slug), set()).add(v.pk)
        index.setdefault(normalize(v.name), set()).add(v.pk)
    for key in named:
        matches = index.get(normalize(key), set())
        at = placed[key]
        if len(matches) == 1:
            found[key] = next(iter(matches))
        elif not matches:
            errors.append(
                FileError(
                    at.row,
                    column,
                    f"'{key}' is not a vendor of {organization_name} (use its slug or name)",
                )
            )
        else:
            slugs = ", ".join(sorted(by_pk[pk].slug for pk in matches))
            errors.append(
                FileError(
                    at.row,
                    column,
                    f"'{key}' could be any of the vendors {slugs}; write the vendor's slug",
                )
            )


def period_errors(
    items: Iterable[tuple[int, str, int]],
    *,
    today: dt.date,
    contract_spans: dict[int, list[tuple[dt.date, dt.date | None]]],
    vendor_names: dict[int, str],
    column: str,
) -> list[FileError]:
    """Errors for vendor-periods an upload may not store, at the first row of each.

    ``items`` holds (vendor id, period, row). A period that has not ended by ``today`` (the
    current month or later) is refused, and so is one that none of the vendor's contract spans
    (start, end inclusive or None) covers on any day.
    """
    placed = _first_rows(((vendor_id, period), row) for vendor_id, period, row in items)
    current = periods.period_of(today)
    errors: list[FileError] = []
    for key, at in placed.items():
        vendor_id, period = key
        if not periods.has_ended(period, today):
            when = "is the current month" if period == current else "is in the future"
            errors.append(
                FileError(
                    at.row,
                    column,
                    f"the period {period} {when} (today is {today.isoformat()}); a report is "
                    "accepted once its month has ended",
                )
            )
            continue
        spans = contract_spans.get(vendor_id, [])
        if not any(periods.overlaps(period, start, end) for start, end in spans):
            held = (
                "its contracts run "
                + ", ".join(
                    f"{start.isoformat()} to {end.isoformat() if end else 'open-ended'}"
                    for start, end in sorted(spans)
                )
                if spans
                else "it has no contract"
            )
            errors.append(
                FileError(
                    at.row,
                    column,
                    f"no contract of {vendor_names.get(vendor_id, 'the vendor')} covers the "
                    f"period {period} ({held}); nothing is stored for a month outside a contract",
                )
            )
    return errors
