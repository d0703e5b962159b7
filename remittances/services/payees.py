"""Payee mappings: which vendor bills for which payee (N1*PE), per organization."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from remittances.models import PayeeMapping
from vendors.models import AuditAction, Organization, Vendor
from vendors.services import nul_errors
from vendors.services.audit import audit_record, changes_between, snapshot

PAYEE_FIELDS = ("id_qualifier", "payee_id", "payee_name", "vendor")
_QUALIFIER = re.compile(r"^[A-Z0-9]{2}$")


def _validate(organization: Organization, fields: dict[str, Any]) -> dict[str, Any]:
    """The mapping's fields, cleaned, or a refusal naming each bad field."""
    errors: dict[str, str] = nul_errors({k: v for k, v in fields.items() if isinstance(v, str)})
    qualifier = str(fields.get("id_qualifier", "")).strip().upper()
    payee_id = str(fields.get("payee_id", "")).strip()
    name = str(fields.get("payee_name", "") or "").strip()
    vendor = fields.get("vendor")
    if "id_qualifier" not in errors and not _QUALIFIER.match(qualifier):
        errors["id_qualifier"] = 'Give the N1*PE 03 qualifier: two letters or digits ("XX", "FI").'
    if "payee_id" not in errors and not 1 <= len(payee_id) <= 80:
        errors["payee_id"] = "Give the payee's id (N1*PE 04), 1 to 80 characters."
    if "payee_name" not in errors and len(name) > 255:
        errors["payee_name"] = "At most 255 characters."
    if not isinstance(vendor, Vendor):
        errors["vendor"] = "Choose a vendor."
    elif vendor.organization_id != organization.pk:
        errors["vendor"] = "The vendor belongs to another organization."
    if errors:
        raise ValidationError(errors)
    return {"id_qualifier": qualifier, "payee_id": payee_id, "payee_name": name, "vendor": vendor}


@transaction.atomic
def payee_mapping_create(
    *,
    organization: Organization,
    id_qualifier: str,
    payee_id: str,
    vendor: Vendor,
    payee_name: str = "",
) -> PayeeMapping:
    """Map a payee to the vendor that bills for it (refused when the payee is mapped already)."""
    data = _validate(
        organization,
        {
            "id_qualifier": id_qualifier,
            "payee_id": payee_id,
            "payee_name": payee_name,
            "vendor": vendor,
        },
    )
    existing = PayeeMapping.objects.filter(
        organization=organization, id_qualifier=data["id_qualifier"], payee_id=data["payee_id"]
    ).first()
    if existing is not None:
        raise ValidationError(
            {
                "payee_id": f"Payee {data['id_qualifier']} {data['payee_id']} is mapped already "
                f"(to {existing.vendor.name}); change that mapping instead."
            }
        )
    mapping = PayeeMapping.objects.create(organization=organization, **data)
    audit_record(
        organization_id=organization.pk,
        record=mapping,
        record_type="payee_mapping",
        action=AuditAction.CREATED,
        changes={k: [None, v] for k, v in snapshot(mapping, PAYEE_FIELDS).items()},
    )
    return mapping


@transaction.atomic
def payee_mapping_update(*, mapping: PayeeMapping, **fields: Any) -> PayeeMapping:
    """Change a mapping (its vendor, name or the payee's id)."""
    unknown = set(fields) - set(PAYEE_FIELDS)
    if unknown:
        raise ValidationError({f: "Unknown payee mapping field." for f in sorted(unknown)})
    merged = {name: getattr(mapping, name) for name in PAYEE_FIELDS}
    merged.update(fields)
    data = _validate(mapping.organization, merged)
    clash = (
        PayeeMapping.objects.filter(
            organization=mapping.organization_id,
            id_qualifier=data["id_qualifier"],
            payee_id=data["payee_id"],
        )
        .exclude(pk=mapping.pk)
        .exists()
    )
    if clash:
        raise ValidationError(
            {"payee_id": f"Payee {data['id_qualifier']} {data['payee_id']} is mapped already."}
        )
    before = snapshot(mapping, PAYEE_FIELDS)
    for name, value in data.items():
        setattr(mapping, name, value)
    mapping.save()
    changes = changes_between(before, snapshot(mapping, PAYEE_FIELDS))
    if changes:
        audit_record(
            organization_id=mapping.organization_id,
            record=mapping,
            record_type="payee_mapping",
            action=AuditAction.UPDATED,
            changes=changes,
        )
    return mapping
