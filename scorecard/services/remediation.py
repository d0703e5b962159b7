"""Writes of remediation items by people: transitions with who, when and why.

The rules live in the pure ``scorecard.remediation``; the evaluation moves items in bulk in
``scorecard.services.evaluation``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from scorecard import remediation as rules
from scorecard.models import RemediationEvent, RemediationItem
from vendors.models import AuditAction
from vendors.services.audit import audit_record, current_actor, display_name

from . import notifications


@transaction.atomic
def remediation_transition(
    *,
    item: RemediationItem,
    to_status: str,
    reason: str,
    actor: Any,
    at: dt.datetime | None = None,
) -> RemediationItem:
    """Move a remediation item to ``to_status`` for a stated reason, recording who and when.

    Raises ``ValidationError`` (field ``status`` or ``reason``) when the rules refuse: every
    transition needs a reason, waiving too, and a breach closes only once verified.
    """
    locked = RemediationItem.objects.select_for_update().select_related("contract").get(pk=item.pk)
    try:
        rules.check_transition(
            kind=locked.kind,
            from_status=locked.status,
            to_status=to_status,
            reason=reason,
            meeting_streak=locked.meeting_streak,
            verification_periods=locked.contract.verification_periods,
        )
    except rules.TransitionError as exc:
        field = "reason" if not (reason or "").strip() else "status"
        raise ValidationError({field: str(exc)}) from exc
    at = at or timezone.now()
    from_status = locked.status
    locked.status = to_status
    if to_status == rules.CLOSED:
        locked.closed_at = at
        locked.verified = locked.meeting_streak >= locked.contract.verification_periods
    locked.save(update_fields=["status", "closed_at", "verified"])
    who = current_actor(actor)
    event = RemediationEvent.objects.create(
        item=locked,
        from_status=from_status,
        to_status=to_status,
        actor=who,
        actor_name=display_name(who) if who is not None else "",
        at=at,
        reason=reason.strip(),
    )
    audit_record(
        organization_id=locked.organization_id,
        record=locked,
        record_type="remediation_item",
        action=AuditAction.TRANSITIONED,
        reason=reason.strip(),
        changes={"status": [from_status, to_status]},
        actor=who,
        at=at,
    )
    if to_status == rules.ESCALATED:
        transaction.on_commit(
            lambda: notifications.escalation_notify(
                item=RemediationItem.objects.select_related("vendor", "kpi").get(pk=locked.pk),
                event_id=event.pk,
                reason=reason.strip(),
            )
        )
    return locked
