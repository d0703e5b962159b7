"""Writes of a vendor's column aliases: its own header for a KPI or raw field, with a scale.

An alias belongs to one vendor of one organization and is checked against that organization's
catalog only: it may never give a KPI code, KPI name, raw field or reserved header another
meaning (``vendors.ingest.catalog``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from vendors.ingest import catalog as catalog_rules
from vendors.ingest.headers import normalize
from vendors.models import AuditAction, ColumnAlias, Scale, Vendor
from vendors.services import nul_errors
from vendors.services.audit import audit_record, changes_between, snapshot
from vendors.services.reports import kpi_specs

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


def column_alias_check(
    *, vendor: Vendor, header: str, target: str, scale: str, exclude: int | None = None
) -> str:
    """Check an alias as ``column_alias_create`` would (the admin's form asks it too); returns
    the normalised header or raises ``ValidationError`` with a message per field."""
    errors = nul_errors({"header": header, "target": target, "scale": scale})
    if errors:
        raise ValidationError(errors)  # before any query carries the text
    errors = catalog_rules.column_alias_errors(
        header=header, target=target, kpis=kpi_specs(vendor.organization_id)
    )
    key = normalize(header)
    if scale not in Scale.values:
        errors["scale"] = f"The scale must be one of {Scale.values}."
    clash = ColumnAlias.objects.filter(vendor=vendor, normalized=key)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if key and "header" not in errors and clash.exists():
        errors["header"] = f"This vendor already has an alias written like {header!r}."
    if errors:
        raise ValidationError(errors)
    return key


@transaction.atomic
def column_alias_create(
    *, vendor: Vendor, header: str, target: str, scale: str = Scale.UNDECLARED
) -> ColumnAlias:
    """Teach ingestion a vendor's header; ``scale`` says how its percent values are written."""
    key = column_alias_check(vendor=vendor, header=header, target=target, scale=scale, exclude=None)
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
    key = column_alias_check(
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
