"""Writes of action plans: the vendor's plan moves an open or escalated remediation item to
``action plan received``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from disputes.models import (
    ActionPlan,
)
from scorecard import remediation as remediation_rules
from scorecard.models import RemediationItem
from scorecard.services.remediation import remediation_transition
from vendors import policy
from vendors.models import AuditAction, AuditRecordType
from vendors.services.audit import audit_record, display_name

from .checks import (
    check_file,
    clean_text,
    remove_files,
    require_capability,
)

# --- Action plans ---------------------------------------------------------------------------
PLAN_FROM = frozenset({remediation_rules.OPEN, remediation_rules.ESCALATED})


@transaction.atomic
def action_plan_submit(
    *,
    item: RemediationItem,
    actor: Any,
    text: str,
    upload: UploadedFile | None = None,
    at: dt.datetime | None = None,
) -> ActionPlan:
    """The vendor submits an action plan (text and an optional file) for a remediation item;
    an open or escalated item moves to ``action plan received`` (a revised plan for an item
    already there is stored beside the first)."""
    who = require_capability(
        actor, item.organization_id, policy.Capability.RESPOND, "submit action plans"
    )
    locked = RemediationItem.objects.select_for_update().get(pk=item.pk)
    if locked.status not in PLAN_FROM | {remediation_rules.ACTION_PLAN_RECEIVED}:
        raise ValidationError(
            {
                "status": f"The item is {locked.status.replace('_', ' ')}; an action plan is "
                "received while it is open, escalated or awaiting its plan."
            }
        )
    text = clean_text(text, "text")
    if upload is not None:
        check_file(upload, "file")
    at = at or timezone.now()
    plan = ActionPlan(
        organization_id=locked.organization_id,
        item=locked,
        text=text,
        submitted_by=who,
        submitted_by_name=display_name(who),
        submitted_at=at,
    )
    stored: list[str] = []
    try:
        if upload is not None:
            plan.file.save(upload.name or "plan", upload, save=False)
            stored.append(plan.file.name or "")
            plan.file_name, plan.size_bytes = upload.name or "plan", upload.size or 0
        plan.save()
        audit_record(
            organization_id=locked.organization_id,
            record=plan,
            record_type=AuditRecordType.ACTION_PLAN,
            action=AuditAction.CREATED,
            reason=text[:500],
            changes={"remediation_item": [None, locked.pk]},
            actor=who,
            at=at,
        )
        if locked.status in PLAN_FROM:
            remediation_transition(
                item=locked,
                to_status=remediation_rules.ACTION_PLAN_RECEIVED,
                reason=f"Action plan {plan.pk} submitted by {display_name(who)}.",
                actor=who,
                at=at,
            )
    except BaseException:
        remove_files(stored)
        raise
    return plan
