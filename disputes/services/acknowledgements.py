"""Writes of acknowledgements: the vendor acknowledges the current revision of a scorecard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from disputes.models import (
    Acknowledgement,
)
from scorecard.models import Scorecard
from vendors import policy
from vendors.models import AuditAction, AuditRecordType
from vendors.services.audit import audit_record, display_name

from .checks import (
    clean_text,
    current_revision,
    require_capability,
)


# --- Acknowledgement ------------------------------------------------------------------------
@transaction.atomic
def acknowledgement_create(
    *, scorecard: Scorecard, actor: Any, note: str = "", at: dt.datetime | None = None
) -> Acknowledgement:
    """The vendor acknowledges the current revision of a scorecard (once per revision)."""
    who = require_capability(
        actor, scorecard.organization_id, policy.Capability.RESPOND, "acknowledge scorecards"
    )
    card = current_revision(scorecard)
    if Acknowledgement.objects.filter(scorecard=card).exists():
        raise ValidationError({"scorecard": f"Revision {card.revision} is already acknowledged."})
    ack = Acknowledgement.objects.create(
        organization_id=card.organization_id,
        scorecard=card,
        actor=who,
        actor_name=display_name(who),
        at=at or timezone.now(),
        note=clean_text(note, "note", required=False),
    )
    audit_record(
        organization_id=card.organization_id,
        record=ack,
        record_type=AuditRecordType.ACKNOWLEDGEMENT,
        action=AuditAction.CREATED,
        reason=ack.note,
        changes={"scorecard": [None, card.pk]},
        actor=who,
        at=ack.at,
    )
    return ack
