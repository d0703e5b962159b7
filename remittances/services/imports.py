"""Storing a received 835 file: one transaction per file, nothing half-stored.

The same bytes (sha256) received again by the same organization change nothing. Every payee
(N1*PE) must map to a vendor (``PayeeMapping``); an unmapped payee refuses the file with its
name, qualifier and id (or, given ``vendor``, is mapped to that vendor first). A claim's period is
the month of its transaction's payment date (BPR16).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from remittances import x12
from remittances.models import (
    ClaimAdjustment,
    ClaimPayment,
    PayeeMapping,
    RemittanceFile,
    ServiceLine,
)
from remittances.services.payees import payee_mapping_create
from remittances.x12 import RemittanceRefused, X12Error
from vendors.models import AuditAction, Organization, Vendor
from vendors.services.audit import audit_record
from vendors.services.rescore import rescore_request


@dataclass(frozen=True)
class Payee:
    """A payee as the file names it (N1*PE 02, 03, 04)."""

    name: str
    id_qualifier: str
    payee_id: str

    def __str__(self) -> str:
        return f"{self.name} ({self.id_qualifier} {self.payee_id})"


class UnmappedPayees(RemittanceRefused):
    """The file names payees no vendor is mapped to; ``payees`` lists them."""

    def __init__(self, payees: list[Payee]) -> None:
        super().__init__(
            [
                X12Error(
                    f"Payee {payee} is not mapped to a vendor: map it (payee mappings, or the "
                    "upload page), then send the file again."
                )
                for payee in payees
            ]
        )
        self.payees = payees


@dataclass
class ImportResult:
    """What became of one file: stored (``created``) or already there."""

    remittance_file: RemittanceFile
    created: bool
    message: str
    vendors: list[Vendor] = field(default_factory=list)


def _payees(remittance: x12.Remittance) -> list[Payee]:
    seen: dict[tuple[str, str], Payee] = {}
    for tr in remittance.transactions:
        key = (tr.payee_id_qualifier, tr.payee_id)
        seen.setdefault(key, Payee(tr.payee_name, tr.payee_id_qualifier, tr.payee_id))
    return list(seen.values())


def _vendors_by_payee(
    organization: Organization, payees: list[Payee], vendor: Vendor | None
) -> dict[tuple[str, str], Vendor]:
    mapped = {
        (m.id_qualifier, m.payee_id): m.vendor
        for m in PayeeMapping.objects.filter(organization=organization).select_related("vendor")
    }
    missing = [p for p in payees if (p.id_qualifier, p.payee_id) not in mapped]
    if missing and vendor is None:
        raise UnmappedPayees(missing)
    for payee in missing:
        assert vendor is not None
        payee_mapping_create(
            organization=organization,
            id_qualifier=payee.id_qualifier,
            payee_id=payee.payee_id,
            payee_name=payee.name,
            vendor=vendor,
        )
        mapped[(payee.id_qualifier, payee.payee_id)] = vendor
    return mapped


def _claim_rows(
    organization: Organization,
    stored: RemittanceFile,
    remittance: x12.Remittance,
    vendors: dict[tuple[str, str], Vendor],
) -> list[tuple[ClaimPayment, x12.Claim]]:
    rows: list[tuple[ClaimPayment, x12.Claim]] = []
    for tr in remittance.transactions:
        assert tr.payment_date is not None
        vendor = vendors[(tr.payee_id_qualifier, tr.payee_id)]
        for claim in tr.claims:
            rows.append(
                (
                    ClaimPayment(
                        organization=organization,
                        remittance_file=stored,
                        vendor=vendor,
                        period=tr.payment_date.strftime("%Y-%m"),
                        transaction_set_control_number=tr.control_number,
                        payer_name=tr.payer_name,
                        payer_id=tr.payer_id,
                        payee_id_qualifier=tr.payee_id_qualifier,
                        payee_id=tr.payee_id,
                        patient_control_number=claim.patient_control_number,
                        status_code=claim.status_code,
                        charge_cents=claim.charge_cents,
                        payment_cents=claim.payment_cents,
                        patient_responsibility_cents=claim.patient_responsibility_cents,
                        claim_filing_indicator=claim.claim_filing_indicator,
                        payer_claim_control_number=claim.payer_claim_control_number,
                        payment_date=tr.payment_date,
                        received_date=claim.received_date,
                        service_start=claim.service_start,
                        service_end=claim.service_end,
                        remark_codes=claim.remark_codes,
                        sequence=len(rows) + 1,
                    ),
                    claim,
                )
            )
    return rows


def _store_claims(rows: list[tuple[ClaimPayment, x12.Claim]]) -> None:
    """Claims, then their lines, then the adjustments (bulk inserts, ids returned)."""
    ClaimPayment.objects.bulk_create([row for row, _ in rows], batch_size=2000)
    lines: list[tuple[ServiceLine, x12.Line]] = []
    adjustments: list[ClaimAdjustment] = []
    for row, claim in rows:
        for line in claim.lines:
            lines.append(
                (
                    ServiceLine(
                        claim=row,
                        line_number=line.line_number,
                        procedure_code=line.procedure_code,
                        charge_cents=line.charge_cents,
                        payment_cents=line.payment_cents,
                        units=line.units,
                        service_date=line.service_date,
                        remark_codes=line.remark_codes,
                    ),
                    line,
                )
            )
        adjustments += [_adjustment(row, None, a) for a in claim.adjustments]
    ServiceLine.objects.bulk_create([row for row, _ in lines], batch_size=2000)
    for line_row, line in lines:
        adjustments += [_adjustment(line_row.claim, line_row, a) for a in line.adjustments]
    ClaimAdjustment.objects.bulk_create(adjustments, batch_size=2000)


def _adjustment(
    claim: ClaimPayment, line: ServiceLine | None, found: x12.Adjustment
) -> ClaimAdjustment:
    return ClaimAdjustment(
        claim=claim,
        line=line,
        group_code=found.group_code,
        carc=found.carc,
        amount_cents=found.amount_cents,
        quantity=found.quantity,
    )


def _already(organization: Organization, digest: str) -> ImportResult | None:
    existing = RemittanceFile.objects.filter(organization=organization, sha256=digest).first()
    if existing is None:
        return None
    return ImportResult(
        remittance_file=existing,
        created=False,
        message=f"{existing.file_name} was received already on "
        f"{existing.received_at:%Y-%m-%d %H:%M} UTC (the same file): nothing changed.",
    )


def remittance_import(
    *,
    organization: Organization,
    data: bytes,
    file_name: str,
    uploaded_by: Any = None,
    vendor: Vendor | None = None,
) -> ImportResult:
    """Validate and store one 835 file, or raise ``RemittanceRefused`` (nothing stored).

    ``vendor``: payees of this file that are not mapped yet are mapped to it.
    """
    if vendor is not None and vendor.organization_id != organization.pk:
        raise RemittanceRefused([X12Error("The vendor belongs to another organization.")])
    digest = hashlib.sha256(data).hexdigest()
    already = _already(organization, digest)
    if already is not None:
        return already
    remittance = x12.read_835(data)
    try:
        with transaction.atomic():
            received = _Received(data, file_name, digest, uploaded_by)
            return _store(organization, received, remittance, vendor)
    except IntegrityError:
        already = _already(organization, digest)  # the same file, received at the same time
        if already is None:
            raise
        return already


@dataclass(frozen=True)
class _Received:
    data: bytes
    file_name: str
    digest: str
    uploaded_by: Any


def _store(
    organization: Organization,
    received: _Received,
    remittance: x12.Remittance,
    vendor: Vendor | None,
) -> ImportResult:
    data, digest, uploaded_by = received.data, received.digest, received.uploaded_by
    vendors = _vendors_by_payee(organization, _payees(remittance), vendor)
    dates = [tr.payment_date for tr in remittance.transactions if tr.payment_date is not None]
    claims = [c for tr in remittance.transactions for c in tr.claims]
    stored = RemittanceFile(
        organization=organization,
        file_name=received.file_name[:255],
        sha256=digest,
        size_bytes=len(data),
        uploaded_by=uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
        received_at=timezone.now(),
        interchange_control_number=remittance.interchange_control_number,
        transaction_count=len(remittance.transactions),
        claim_count=len(claims),
        payer_name=remittance.transactions[0].payer_name if remittance.transactions else "",
        payment_date_min=min(dates) if dates else None,
        payment_date_max=max(dates) if dates else None,
    )
    stored.file.save(f"{digest[:16]}.835", ContentFile(data), save=False)
    stored.save()
    rows = _claim_rows(organization, stored, remittance, vendors)
    _store_claims(rows)
    audit_record(
        organization_id=organization.pk,
        record=stored,
        record_type="remittance_file",
        action=AuditAction.CREATED,
        changes={
            "sha256": [None, digest],
            "transaction_count": [None, stored.transaction_count],
            "claim_count": [None, stored.claim_count],
        },
    )
    rescore_request(
        vendors=[(organization.pk, row.vendor_id, row.period) for row, _ in rows],
        reason="remittance received",
    )
    used = {row.vendor_id: row.vendor for row, _ in rows}
    return ImportResult(
        remittance_file=stored,
        created=True,
        message=f"{stored.file_name}: {stored.claim_count} claim payments in "
        f"{stored.transaction_count} transactions stored.",
        vendors=list(used.values()),
    )
