"""Writes of the audit trail: one AuditEvent per change, written by the service that changes.

Who is the actor the service is given, else the signed-in user of the current request (set by
simple-history's request middleware; DRF's token users included), else the user a command or
task acts as (``acting_as``), else the system. The actor's name is stored beside the link.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from vendors.models import AuditAction, AuditEvent

_acting_as: ContextVar[Any] = ContextVar("audit_acting_as", default=None)


@contextlib.contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Attribute the changes made inside the block to ``user`` (commands, tasks)."""
    token = _acting_as.set(user)
    try:
        yield
    finally:
        _acting_as.reset(token)


def display_name(user: Any) -> str:
    """How the trail names a user: full name, else username."""
    return (user.get_full_name() or user.get_username()).strip()


def current_actor(actor: Any = None) -> Any:
    """The user responsible for a change now, or None for the system."""
    if actor is None:
        request = getattr(HistoricalRecords.context, "request", None)
        actor = getattr(request, "user", None) or _acting_as.get()
    return actor if getattr(actor, "is_authenticated", False) else None


def json_value(value: Any) -> Any:
    """A field value as the trail stores it (JSON): Decimals and dates as text, links as ids."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal | dt.date | dt.datetime):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a record as JSON values (``kpi`` gives the KPI's code)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_one and name == "kpi":
            values[name] = instance.kpi.code  # type: ignore[attr-defined]
        elif field.many_to_one:
            values[name] = getattr(instance, f"{name}_id")
        elif isinstance(field, models.DecimalField) and getattr(instance, name) is not None:
            # as stored: a term given as 7 reads back 7.0000
            exponent = Decimal(1).scaleb(-(field.decimal_places or 0))
            values[name] = str(Decimal(getattr(instance, name)).quantize(exponent))
        else:
            values[name] = json_value(getattr(instance, name))
    return values


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field -> [before, after] for the fields whose value changed (None where absent)."""
    names = [*after, *(name for name in before if name not in after)]
    return {
        name: [before.get(name), after.get(name)]
        for name in names
        if before.get(name) != after.get(name)
    }


def _event(
    *,
    organization_id: int | None,
    record: models.Model,
    record_type: str,
    action: str,
    reason: str,
    changes: Mapping[str, Any] | None,
    actor: Any,
    at: dt.datetime,
) -> AuditEvent:
    return AuditEvent(
        organization_id=organization_id,
        at=at,
        actor=actor,
        actor_name=display_name(actor) if actor is not None else "",
        record_type=record_type,
        record_id=str(record.pk),
        record_label=str(record)[:300],
        action=AuditAction(action),
        reason=reason,
        changes=dict(changes or {}),
    )


def audit_record(
    *,
    organization_id: int | None,
    record: models.Model,
    record_type: str,
    action: str,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Record one change of one record (call it inside the service's transaction)."""
    event = _event(
        organization_id=organization_id,
        record=record,
        record_type=record_type,
        action=action,
        reason=reason,
        changes=changes,
        actor=current_actor(actor),
        at=at or timezone.now(),
    )
    event.save()
    return event


def audit_record_many(
    *,
    organization_id: int | None,
    records: Iterable[tuple[models.Model, Mapping[str, Any]]],
    record_type: str,
    action: str,
    reason: str = "",
    actor: Any = None,
) -> list[AuditEvent]:
    """Record the same change of many records (a bulk write) in one insert: (record, changes)."""
    who, now = current_actor(actor), timezone.now()
    return AuditEvent.objects.bulk_create(
        [
            _event(
                organization_id=organization_id,
                record=record,
                record_type=record_type,
                action=action,
                reason=reason,
                changes=changes,
                actor=who,
                at=now,
            )
            for record, changes in records
        ]
    )


# --- Edits made in the Django admin ----------------------------------------------------------
def _admin_record_type(instance: models.Model) -> str | None:
    from vendors import models as facts

    return {
        facts.Organization: "organization",
        facts.Membership: "membership",
        facts.Vendor: "vendor",
        facts.KPIDefinition: "kpi",
        facts.Contract: "contract",
        facts.SLATerm: "sla_term",
        facts.ColumnAlias: "column_alias",
    }.get(type(instance))


def _organization_id(instance: models.Model) -> int | None:
    from vendors import models as facts

    if isinstance(instance, facts.Organization):
        return instance.pk
    if isinstance(instance, facts.SLATerm):
        return instance.contract.organization_id
    if isinstance(instance, facts.ColumnAlias):
        return instance.vendor.organization_id
    return getattr(instance, "organization_id", None)


def admin_fields(instance: models.Model) -> list[str]:
    """The fields of a record the trail compares for an admin edit (all but the id)."""
    return [f.name for f in instance._meta.concrete_fields if not f.primary_key]


def audit_admin_edit(
    *, instance: models.Model, action: str, before: Mapping[str, Any], actor: Any
) -> AuditEvent | None:
    """Record a create, change or delete made in the Django admin (no row for no change)."""
    record_type = _admin_record_type(instance)
    if record_type is None:
        return None
    after = {} if action == AuditAction.DELETED else snapshot(instance, admin_fields(instance))
    changes = changes_between(before, after)
    if action == AuditAction.UPDATED and not changes:
        return None
    return audit_record(
        organization_id=_organization_id(instance),
        record=instance,
        record_type=record_type,
        action=action,
        reason="Edited in the Django admin.",
        changes=changes,
        actor=actor,
    )
