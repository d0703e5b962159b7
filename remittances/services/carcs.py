"""The CARC table per organization: its rows override the shipped defaults (read-only)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from remittances.models import CarcRule, ClaimPayment, DenialCategory, ResponsibleParty
from vendors.models import AuditAction, Organization
from vendors.services import nul_errors
from vendors.services.audit import audit_record, changes_between, snapshot
from vendors.services.rescore import rescore_organization

CARC_FIELDS = ("carc", "group_code", "category", "responsible_party", "description")
GROUP_CODES = ("", "CO", "PR", "OA", "PI", "CR")
_CARC = re.compile(r"^[A-Z0-9]{1,5}$")


def _clean_codes(fields: dict[str, Any], errors: dict[str, str]) -> tuple[str, str]:
    carc = str(fields.get("carc", "")).strip().upper()
    group = str(fields.get("group_code", "") or "").strip().upper()
    if "carc" not in errors and not _CARC.match(carc):
        errors["carc"] = (
            "Give the claim adjustment reason code: 1 to 5 letters or digits (e.g. 16)."
        )
    if "group_code" not in errors and group not in GROUP_CODES:
        errors["group_code"] = "Give CO, PR, OA, PI or CR, or leave blank for any group."
    return carc, group


def _validate(fields: dict[str, Any]) -> dict[str, Any]:
    """The row's fields, cleaned, or a refusal naming each bad field."""
    errors = nul_errors({k: v for k, v in fields.items() if isinstance(v, str)})
    carc, group = _clean_codes(fields, errors)
    category = str(fields.get("category", ""))
    party = str(fields.get("responsible_party", ""))
    description = str(fields.get("description", "") or "").strip()
    if "category" not in errors and category not in DenialCategory.values:
        errors["category"] = f"Choose one of {', '.join(DenialCategory.values)}."
    if "responsible_party" not in errors and party not in ResponsibleParty.values:
        errors["responsible_party"] = f"Choose one of {', '.join(ResponsibleParty.values)}."
    if "description" not in errors and len(description) > 500:
        errors["description"] = "At most 500 characters."
    if errors:
        raise ValidationError(errors)
    return {
        "carc": carc,
        "group_code": group,
        "category": category,
        "responsible_party": party,
        "description": description,
    }


def _rescore(organization_id: int) -> None:
    """Denial responsibility is on every scorecard with evidence: re-score from the first month
    the organization holds claim payments for (nothing to do without any)."""
    first = (
        ClaimPayment.objects.filter(organization_id=organization_id)
        .order_by("period")
        .values_list("period", flat=True)
        .first()
    )
    if first is not None:
        rescore_organization(
            organization_id=organization_id, from_period=first, reason="CARC table changed"
        )


def _refuse_clash(organization_id: int, data: dict[str, Any], exclude: int | None = None) -> None:
    clash = CarcRule.objects.filter(
        organization_id=organization_id, carc=data["carc"], group_code=data["group_code"]
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        group = data["group_code"] or "any group"
        raise ValidationError(
            {"carc": f"CARC {data['carc']} ({group}) has a row already; change that row instead."}
        )


@transaction.atomic
def carc_rule_create(
    *,
    organization: Organization,
    carc: str,
    category: str,
    responsible_party: str,
    group_code: str = "",
    description: str = "",
) -> CarcRule:
    """Add the organization's own row for a CARC (it overrides the shipped one)."""
    data = _validate(
        {
            "carc": carc,
            "group_code": group_code,
            "category": category,
            "responsible_party": responsible_party,
            "description": description,
        }
    )
    _refuse_clash(organization.pk, data)
    rule = CarcRule.objects.create(organization=organization, **data)
    audit_record(
        organization_id=organization.pk,
        record=rule,
        record_type="carc_rule",
        action=AuditAction.CREATED,
        changes={k: [None, v] for k, v in snapshot(rule, CARC_FIELDS).items()},
    )
    _rescore(organization.pk)
    return rule


@transaction.atomic
def carc_rule_update(*, rule: CarcRule, **fields: Any) -> CarcRule:
    """Change an organization's row; a shipped row is read-only (add your own instead)."""
    if rule.organization_id is None:
        raise ValidationError(
            {
                "carc": f"CARC {rule.carc} is a shipped default, read-only; add your "
                "organization's own row for it instead."
            }
        )
    unknown = set(fields) - set(CARC_FIELDS)
    if unknown:
        raise ValidationError({f: "Unknown CARC rule field." for f in sorted(unknown)})
    merged = {name: getattr(rule, name) for name in CARC_FIELDS}
    merged.update(fields)
    data = _validate(merged)
    _refuse_clash(rule.organization_id, data, exclude=rule.pk)
    before = snapshot(rule, CARC_FIELDS)
    for name, value in data.items():
        setattr(rule, name, value)
    rule.save()
    changes = changes_between(before, snapshot(rule, CARC_FIELDS))
    if changes:
        audit_record(
            organization_id=rule.organization_id,
            record=rule,
            record_type="carc_rule",
            action=AuditAction.UPDATED,
            changes=changes,
        )
        _rescore(rule.organization_id)
    return rule
