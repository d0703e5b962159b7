"""Writes of disputes: opened and given files by the vendor; answered, accepted or
rejected by the practice (rules in ``disputes.rules``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from disputes import rules
from disputes.models import (
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeItem,
    DisputeStatus,
    Resolution,
)
from scorecard.models import Scorecard
from scorecard.services import notifications
from scorecard.services.evaluation import evaluate
from vendors import policy
from vendors.models import AuditAction, AuditRecordType
from vendors.services.audit import audit_record, display_name

from .checks import (
    check_file,
    clean_text,
    current_revision,
    remove_files,
    require_capability,
    sha256_of,
)


# --- Disputes -------------------------------------------------------------------------------
def _decimal(value: Any, position: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(
            {"items": f"Item {position}: disputed_value must be a number; got {value!r}."}
        ) from exc
    if not number.is_finite() or abs(number) >= Decimal("1e18"):
        raise ValidationError(
            {"items": f"Item {position}: disputed_value {value!r} is not a usable number."}
        )
    return number


MAX_ITEMS = 50  # KPIs in one dispute


def _items(card: Scorecard, items: Sequence[Mapping[str, Any]]) -> list[DisputeItem]:
    """The disputed KPIs, each on the scorecard, once, with a reason."""
    if not items:
        raise ValidationError({"items": "Dispute at least one KPI."})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": f"At most {MAX_ITEMS} KPIs in one dispute."})
    rows = {row.kpi_code: row for row in card.kpis.all()}
    out: list[DisputeItem] = []
    for position, item in enumerate(items, start=1):
        code = str(item.get("kpi") or "").strip()
        if code not in rows:
            on_card = ", ".join(sorted(rows)) or "none"
            raise ValidationError(
                {
                    "items": f"Item {position}: KPI {code!r} is not on this scorecard; "
                    f"its KPIs: {on_card}."
                }
            )
        if any(o.kpi_code == code for o in out):
            raise ValidationError({"items": f"Item {position}: KPI {code!r} is disputed twice."})
        row = rows[code]
        out.append(
            DisputeItem(
                kpi_code=code,
                kpi_name=row.kpi_name,
                unit=row.unit,
                scorecard_value=row.value,
                disputed_value=_decimal(item.get("disputed_value"), position),
                reason=clean_text(item.get("reason"), f"items[{position}].reason"),
            )
        )
    return out


def _event(
    dispute: Dispute, from_status: str, to_status: str, who: Any, at: dt.datetime, reason: str
) -> DisputeEvent:
    event = DisputeEvent.objects.create(
        dispute=dispute,
        from_status=from_status,
        to_status=to_status,
        actor=who,
        actor_name=display_name(who) if who is not None else "",
        at=at,
        reason=reason,
    )
    audit_record(
        organization_id=dispute.organization_id,
        record=dispute,
        record_type=AuditRecordType.DISPUTE,
        action=AuditAction.CREATED if not from_status else AuditAction.TRANSITIONED,
        reason=reason,
        changes={"status": [from_status or None, to_status]},
        actor=who,
        at=at,
    )
    return event


@transaction.atomic
def dispute_open(
    *,
    scorecard: Scorecard,
    actor: Any,
    reason: str,
    items: Sequence[Mapping[str, Any]],
    files: Sequence[UploadedFile] = (),
    at: dt.datetime | None = None,
) -> Dispute:
    """The vendor disputes KPIs of the current revision of a scorecard, with a reason each
    (``items``: ``{"kpi", "disputed_value", "reason"}``) and optional attachments."""
    who = require_capability(
        actor, scorecard.organization_id, policy.Capability.RESPOND, "dispute scorecards"
    )
    card = current_revision(scorecard)
    reason = clean_text(reason, "reason")
    rows = _items(card, items)
    for upload in files:
        check_file(upload, "files")
    at = at or timezone.now()
    dispute = Dispute.objects.create(
        organization_id=card.organization_id,
        vendor_id=card.vendor_id,
        scorecard=card,
        period=card.period,
        reason=reason,
        opened_by=who,
        opened_by_name=display_name(who),
        opened_at=at,
    )
    for row in rows:
        row.dispute = dispute
    DisputeItem.objects.bulk_create(rows)
    stored: list[str] = []
    try:
        for upload in files:
            _store_attachment(dispute, upload, who, at, stored)
        _event(dispute, "", DisputeStatus.OPEN, who, at, reason)
    except BaseException:
        remove_files(stored)
        raise
    transaction.on_commit(lambda: notifications.dispute_opened_notify(dispute_id=dispute.pk))
    return dispute


def _store_attachment(
    dispute: Dispute, upload: UploadedFile, who: Any, at: dt.datetime, stored: list[str]
) -> DisputeAttachment:
    """Store one file and its row; the stored name is added to ``stored`` for the cleanup."""
    attachment = DisputeAttachment(
        dispute=dispute,
        name=upload.name or "file",
        size_bytes=upload.size or 0,
        sha256=sha256_of(upload),
        uploaded_by=who,
        uploaded_at=at,
    )
    attachment.file.save(upload.name or "file", upload, save=False)
    stored.append(attachment.file.name or "")
    attachment.save()
    return attachment


@transaction.atomic
def dispute_attach(
    *, dispute: Dispute, upload: UploadedFile, actor: Any, at: dt.datetime | None = None
) -> DisputeAttachment:
    """The vendor adds a file to a dispute not yet decided."""
    who = require_capability(
        actor, dispute.organization_id, policy.Capability.RESPOND, "add files to disputes"
    )
    locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if locked.status in rules.TERMINAL:
        raise ValidationError({"file": f"The dispute is already {locked.status}."})
    check_file(upload, "file")
    at = at or timezone.now()
    stored: list[str] = []
    try:
        attachment = _store_attachment(locked, upload, who, at, stored)
        audit_record(
            organization_id=locked.organization_id,
            record=locked,
            record_type=AuditRecordType.DISPUTE,
            action=AuditAction.UPDATED,
            changes={"attachment": [None, attachment.name]},
            actor=who,
            at=at,
        )
    except BaseException:
        remove_files(stored)
        raise
    return attachment


def _step(
    dispute: Dispute, *, to_status: str, reason: str, actor: Any, at: dt.datetime | None
) -> tuple[Dispute, Any, dt.datetime, str]:
    """Lock a dispute and check a practice-side step; (locked dispute, who, when, reason)."""
    who = require_capability(
        actor,
        dispute.organization_id,
        policy.Capability.ANSWER_DISPUTES,
        "answer, accept or reject disputes",
    )
    locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
    try:
        rules.check_transition(from_status=locked.status, to_status=to_status, reason=reason)
    except rules.DisputeError as exc:
        field = "reason" if not (reason or "").strip() else "status"
        raise ValidationError({field: str(exc)}) from exc
    return locked, who, at or timezone.now(), clean_text(reason, "reason")


def _move(locked: Dispute, to_status: str, who: Any, at: dt.datetime, reason: str) -> Dispute:
    from_status = locked.status
    locked.status = to_status
    if to_status in rules.TERMINAL:
        locked.closed_at = at
    locked.save(update_fields=["status", "closed_at", "resolution", "resolved_by"])
    _event(locked, from_status, to_status, who, at, reason)
    transaction.on_commit(
        lambda: notifications.dispute_step_notify(dispute_id=locked.pk, status=to_status)
    )
    return locked


@transaction.atomic
def dispute_answer(
    *, dispute: Dispute, actor: Any, reason: str, at: dt.datetime | None = None
) -> Dispute:
    """The practice answers an open dispute (the answer is the reason)."""
    locked, who, at, reason = _step(
        dispute, to_status=DisputeStatus.ANSWERED, reason=reason, actor=actor, at=at
    )
    return _move(locked, DisputeStatus.ANSWERED, who, at, reason)


@transaction.atomic
def dispute_reject(
    *, dispute: Dispute, actor: Any, reason: str, at: dt.datetime | None = None
) -> Dispute:
    """The practice rejects a dispute; the reason is required."""
    locked, who, at, reason = _step(
        dispute, to_status=DisputeStatus.REJECTED, reason=reason, actor=actor, at=at
    )
    return _move(locked, DisputeStatus.REJECTED, who, at, reason)


def _newer_revision(dispute: Dispute) -> Scorecard | None:
    """The current revision of the disputed contract and period, when newer than the disputed."""
    card = dispute.scorecard
    return (
        Scorecard.objects.filter(
            contract_id=card.contract_id,
            period=card.period,
            is_current=True,
            revision__gt=card.revision,
        )
        .order_by("-revision")
        .first()
    )


@transaction.atomic
def dispute_accept(
    *,
    dispute: Dispute,
    actor: Any,
    reason: str,
    resolution: str,
    at: dt.datetime | None = None,
    today: dt.date | None = None,
) -> Dispute:
    """The practice accepts a dispute resolved by a corrected report, an amendment of terms, or
    both: the newer revision of the disputed period (made now from the correction if the
    re-scoring has not run yet) is linked; without one the acceptance is refused."""
    if resolution not in Resolution.values:
        raise ValidationError(
            {
                "resolution": f"resolution must be one of {', '.join(Resolution.values)}; "
                f"got {resolution!r}."
            }
        )
    locked, who, at, reason = _step(
        dispute, to_status=DisputeStatus.ACCEPTED, reason=reason, actor=actor, at=at
    )
    newer = _newer_revision(locked)
    if newer is None:
        # The correction is stored but its re-scoring may still be queued: produce it now.
        evaluate(vendor_ids=[locked.vendor_id], period=locked.period, today=today, notify=False)
        newer = _newer_revision(locked)
    if newer is None:
        raise ValidationError(
            {
                "resolution": f"No newer revision of {locked.period} than revision "
                f"{locked.scorecard.revision} exists, and the stored report and terms produce "
                "none: ingest the corrected report or amend the terms first."
            }
        )
    locked.resolution = resolution
    locked.resolved_by = newer
    return _move(locked, DisputeStatus.ACCEPTED, who, at, reason)
