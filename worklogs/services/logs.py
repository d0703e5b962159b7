"""Storing a vendor's denial work log and its measures: the one way a log is written.

A log is read in full first (``worklogs.reading``: any error refuses the whole file and nothing
is stored); then, in one transaction, the previous version of the vendor-month is superseded,
the file kept as sent, its measures computed by the contract's milestones and the
organization's holidays, the audit trail written and the vendor-month's re-scoring requested.
The same bytes for the same vendor-month change nothing and say so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from vendors import selectors as vendor_selectors
from vendors.models import AuditAction, AuditRecordType, ColumnAlias, Contract, Vendor
from vendors.services.audit import audit_record
from vendors.services.rescore import rescore_request

from ..frames import LogFrames
from ..measures import Measures, Milestones, compute
from ..models import DenialLog, DenialWorkMeasures, LogSource
from ..reading import ReadLog, limits, read_log, refuse


@dataclass(frozen=True)
class StoredLog:
    """What storing a log did."""

    log: DenialLog
    created: bool
    message: str


def milestones_of(contract: Contract | None) -> Milestones:
    """The contract's denial milestones (the defaults of domain.md section 7 without one)."""
    if contract is None:
        return Milestones()
    return Milestones(
        first_touch=contract.denial_first_touch_business_days,
        follow_up=contract.denial_follow_up_business_days,
        appeal=contract.denial_appeal_business_days,
        resolution=contract.denial_resolution_business_days,
    )


def _aliases(vendor: Vendor) -> dict[str, str]:
    return dict(ColumnAlias.objects.filter(vendor=vendor).values_list("header", "target"))


def log_store(
    *,
    vendor: Vendor,
    period: str,
    content: bytes,
    file_name: str,
    sheet: str | None = None,
    source: str | None = None,
    uploaded_by: Any = None,
) -> StoredLog:
    """Read and store a work log for one vendor-month (raises ``FileRefused`` when it cannot)."""
    if len(content) > limits().max_bytes:
        raise refuse(
            f"The file is {len(content):,} bytes; the limit is {limits().max_bytes:,} "
            "(DENIAL_LOG_MAX_BYTES)."
        )
    digest = hashlib.sha256(content).hexdigest()
    current = DenialLog.objects.filter(vendor=vendor, period=period, is_current=True).first()
    if current is not None and current.sha256 == digest and current.sheet == (sheet or ""):
        return StoredLog(
            log=current,
            created=False,
            message=f"{file_name}: identical to version {current.version} of {vendor.name}'s "
            f"{period} log, received {current.received_at:%Y-%m-%d}; nothing changed.",
        )
    read = read_log(
        content, file_name=file_name, period=period, sheet=sheet, aliases=_aliases(vendor)
    )
    received = _Received(
        content=content,
        digest=digest,
        file_name=file_name[:255],
        sheet=sheet or "",
        source=source or (LogSource.XLSX if file_name.lower().endswith(".xlsx") else "csv"),
    )
    return _store(vendor=vendor, period=period, received=received, read=read, by=uploaded_by)


@dataclass(frozen=True)
class _Received:
    """The file as received."""

    content: bytes
    digest: str
    file_name: str
    sheet: str
    source: str


@transaction.atomic
def _store(
    *, vendor: Vendor, period: str, received: _Received, read: ReadLog, by: Any
) -> StoredLog:
    frames = read.frames
    now = timezone.now()
    previous = (
        DenialLog.objects.select_for_update()
        .filter(vendor=vendor, period=period)
        .order_by("-version")
        .first()
    )
    DenialLog.objects.filter(vendor=vendor, period=period, is_current=True).update(
        is_current=False, superseded_at=now
    )
    log = DenialLog(
        organization_id=vendor.organization_id,
        vendor=vendor,
        period=period,
        version=(previous.version + 1) if previous else 1,
        file_name=received.file_name,
        sha256=received.digest,
        size_bytes=len(received.content),
        source=received.source,
        sheet=received.sheet,
        layout=read.layout,
        denial_count=len(frames.denials),
        touch_count=len(frames.touches),
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        received_at=now,
    )
    suffix = "xlsx" if received.source == LogSource.XLSX else "csv"
    log.file.save(f"{received.digest[:16]}.{suffix}", ContentFile(received.content), save=False)
    log.save()
    measures_store(log, frames)
    audit_record(
        organization_id=vendor.organization_id,
        record=log,
        record_type=AuditRecordType.DENIAL_LOG,
        action=AuditAction.CREATED,
        changes={
            "version": [None, log.version],
            "denial_count": [None, log.denial_count],
            "touch_count": [None, log.touch_count],
        },
    )
    rescore_request(
        vendors=[(vendor.organization_id, vendor.pk, period)], reason="denial work log received"
    )
    return StoredLog(
        log=log,
        created=True,
        message=f"{log.file_name}: {log.denial_count:,} denials and {log.touch_count:,} touches "
        f"stored as version {log.version} of {vendor.name}'s {period} log.",
    )


def measures_store(log: DenialLog, frames: LogFrames) -> DenialWorkMeasures:
    """Compute the log's measures by its contract's milestones and save them (replacing any)."""
    contract = vendor_selectors.contract_for_period(vendor=log.vendor, period=log.period)
    milestones = milestones_of(contract)
    holidays = vendor_selectors.holidays_of(organization_id=log.organization_id)
    measured = compute(frames, period=log.period, milestones=milestones, holidays=holidays)
    values = _fields(measured)
    row, _ = DenialWorkMeasures.objects.update_or_create(
        log=log,
        defaults={
            "organization_id": log.organization_id,
            "vendor_id": log.vendor_id,
            "period": log.period,
            "computed_at": timezone.now(),
            "milestones": milestones.as_dict(),
            **values,
        },
    )
    return row


def _fields(measured: Measures) -> dict[str, Any]:
    return {name: getattr(measured, name) for name in Measures.__dataclass_fields__}
