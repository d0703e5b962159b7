"""Writes of a vendor's column aliases: its own header for a KPI or raw field, with a scale."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from vendors.ingest.headers import RAW_FIELDS, normalize
from vendors.models import AuditAction, ColumnAlias, KPIDefinition, Scale, Vendor
from vendors.services.audit import audit_record, changes_between, snapshot

FIELDS = ("header", "target", "scale")


def _audit(alias: ColumnAlias, action: str, changes: dict) -> None:
    audit_record(
        organization_id=alias.vendor.organization_id,
        record=alias,
        record_type="column_alias",
        action=action,
        reason=f"Column alias of {alias.vendor.name}.",
        changes=changes,
    )


def _validate(*, vendor: Vendor, header: str, target: str, scale: str, exclude: int | None) -> str:
    errors: dict[str, str] = {}
    key = normalize(header)
    if not key:
        errors["header"] = "The header needs at least one letter or digit."
    if target not in RAW_FIELDS and not KPIDefinition.objects.filter(code=target).exists():
        errors["target"] = f"{target!r} is neither a KPI code of the catalog nor a raw count."
    if scale not in Scale.values:
        errors["scale"] = f"The scale must be one of {Scale.values}."
    clash = ColumnAlias.objects.filter(vendor=vendor, normalized=key)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if key and clash.exists():
        errors["header"] = f"This vendor already has an alias written like {header!r}."
    if errors:
        raise ValidationError(errors)
    return key


@transaction.atomic
def column_alias_create(
    *, vendor: Vendor, header: str, target: str, scale: str = Scale.PERCENT
) -> ColumnAlias:
    """Teach ingestion a vendor's header; ``scale`` says how its percent values are written."""
    key = _validate(vendor=vendor, header=header, target=target, scale=scale, exclude=None)
    alias = ColumnAlias.objects.create(
        vendor=vendor, header=header, normalized=key, target=target, scale=scale
    )
    _audit(alias, AuditAction.CREATED, changes_between({}, snapshot(alias, FIELDS)))
    return alias


@transaction.atomic
def column_alias_update(
    *,
    alias: ColumnAlias,
    header: str | None = None,
    target: str | None = None,
    scale: str | None = None,
) -> ColumnAlias:
    """Change a column alias (reports already stored keep their values)."""
    header = alias.header if header is None else header
    target = alias.target if target is None else target
    scale = alias.scale if scale is None else scale
    key = _validate(
        vendor=alias.vendor, header=header, target=target, scale=scale, exclude=alias.pk
    )
    before = snapshot(alias, FIELDS)
    alias.header, alias.normalized, alias.target, alias.scale = header, key, target, scale
    alias.save()
    changes = changes_between(before, snapshot(alias, FIELDS))
    if changes:
        _audit(alias, AuditAction.UPDATED, changes)
    return alias


@transaction.atomic
def column_alias_delete(*, alias: ColumnAlias) -> None:
    """Forget a column alias."""
    _audit(alias, AuditAction.DELETED, changes_between(snapshot(alias, FIELDS), {}))
    alias.delete()
