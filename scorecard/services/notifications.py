"""Notifications, each sent once (the unique ``Notification.key`` is the guarantee): every kind
goes through ``notify``, which writes an in-app notification for each recipient (the bell and the
notifications page) and e-mails those whose preference keeps that kind by e-mail (no preference
stored: yes).

Recipients are the organization's administrators and compliance members.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from scorecard.models import (
    InAppNotification,
    Notification,
    NotificationPreference,
    RemediationItem,
    RemediationStatus,
)
from vendors import bulk as db
from vendors import selectors as vendor_selectors
from vendors.models import AuditAction, AuditRecordType, Role
from vendors.selectors import Recipient
from vendors.services.audit import audit_record

logger = logging.getLogger(__name__)
RECIPIENT_ROLES = {Role.ADMIN.value, Role.COMPLIANCE.value}
REMINDER_DAYS = 7
# Every kind of notification, as the preferences page names it (a new kind: a new row here).
KIND_LABELS = {
    "breach": "SLA breach (a remediation item opened)",
    "escalation": "Remediation item escalated",
    "termination_right": "Termination right raised",
    "cure_reminder": "Cure deadline within seven days",
    "at_risk": "KPI at risk of breaching (early warning)",
    "dispute_opened": "A vendor disputed a scorecard",
    "dispute_answered": "Your dispute was answered",
    "dispute_accepted": "Your dispute was accepted",
    "dispute_rejected": "Your dispute was rejected",
}


@dataclass(frozen=True)
class Message:
    """One notification to send once: ``key`` names the event it is about."""

    organization_id: int
    key: str
    kind: str
    subject: str
    body: str
    link: str = ""  # where the in-app notification leads (a page path)


def email_declined(*, user_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(user id, kind) pairs the people chose to receive in the application only, one query."""
    return set(
        NotificationPreference.objects.filter(
            user_id__in=sorted(set(user_ids)), by_email=False
        ).values_list("user_id", "kind")
    )


def notify(
    message: Message,
    *,
    recipients: Sequence[Recipient] | None = None,
    declined: set[tuple[int, str]] | None = None,
) -> bool:
    """Notify the organization's admin and compliance members once per ``message.key``: an in-app
    notification for each, and one e-mail to those with an address whose preference keeps the
    kind by e-mail. True when notified now.

    The rows and the mail go together: if sending fails, the rows are rolled back so a later run
    tries again; if the key was notified before, nothing happens.
    """
    if recipients is None:
        recipients = vendor_selectors.members_to_notify(
            organization_ids=[message.organization_id], roles=RECIPIENT_ROLES
        )[message.organization_id]
    if declined is None:
        declined = email_declined(user_ids=[r.user_id for r in recipients])
    emails = sorted(
        {r.email for r in recipients if r.email and (r.user_id, message.kind) not in declined}
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            event = Notification.objects.create(
                organization_id=message.organization_id,
                key=message.key,
                kind=message.kind,
                subject=message.subject[:300],
                recipients=emails,
                sent_at=now,
            )
            InAppNotification.objects.bulk_create(
                InAppNotification(
                    organization_id=message.organization_id,
                    event=event,
                    recipient_id=user_id,
                    kind=message.kind,
                    text=message.subject[:300],
                    link=message.link,
                    created=now,
                )
                for user_id in sorted({r.user_id for r in recipients})
            )
            if emails:
                send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, emails)
    except IntegrityError:
        return False  # notified before
    except (OSError, smtplib.SMTPException) as exc:
        # The mail server refused or is away: the rows were rolled back, a later run retries.
        logger.warning("Notification %s not sent: %s", message.key, exc)
        return False
    return True


def notification_send_once(message: Message) -> bool:
    """``notify`` under its former name (the e-mail and, now, the in-app notifications)."""
    return notify(message)


def messages_send(messages: Iterable[Message]) -> int:
    """Notify many messages once each; the number notified now.

    Organizations with nobody to tell get their rows recorded in one insert (so a member added
    later is not flooded with old events).
    """
    messages = list(messages)
    if not messages:
        return 0
    members = vendor_selectors.members_to_notify(
        organization_ids=sorted({m.organization_id for m in messages}), roles=RECIPIENT_ROLES
    )
    declined = email_declined(user_ids=[r.user_id for rs in members.values() for r in rs])
    now = timezone.now()
    db.insert_rows(
        Notification,
        ["organization_id", "key", "kind", "subject", "recipients", "sent_at"],
        [
            (m.organization_id, m.key, m.kind, m.subject[:300], [], now)
            for m in messages
            if not members[m.organization_id]
        ],
        ignore_conflicts=True,
    )
    return sum(
        notify(m, recipients=members[m.organization_id], declined=declined)
        for m in messages
        if members[m.organization_id]
    )


# --- The person's own notifications ----------------------------------------------------------
def _own(user: object, organization_id: int | None) -> Any:
    """The person's notifications (of one organization, or of all theirs when None)."""
    qs = InAppNotification.objects.filter(recipient_id=getattr(user, "pk", None) or 0)
    return qs if organization_id is None else qs.filter(organization_id=organization_id)


def notification_mark_read(
    *, user: object, pk: int, organization_id: int | None = None
) -> InAppNotification:
    """Mark one of the person's notifications read; DoesNotExist for anyone else's (or another
    organization's, when one is given). Reading again keeps the first time."""
    note: InAppNotification = _own(user, organization_id).get(pk=pk)
    if note.read_at is None:
        note.read_at = timezone.now()
        InAppNotification.objects.filter(pk=note.pk, read_at__isnull=True).update(
            read_at=note.read_at
        )
    return note


def notifications_mark_all_read(*, user: object, organization_id: int | None = None) -> int:
    """Mark every unread notification of the person (in one organization, when given) read;
    how many."""
    return int(
        _own(user, organization_id).filter(read_at__isnull=True).update(read_at=timezone.now())
    )


def notification_preferences(*, user: object) -> dict[str, bool]:
    """Whether each kind goes to the person by e-mail too (every kind, no row: yes)."""
    stored = dict(
        NotificationPreference.objects.filter(user_id=getattr(user, "pk", None) or 0).values_list(
            "kind", "by_email"
        )
    )
    return {kind: stored.get(kind, True) for kind in KIND_LABELS}


def notification_preferences_set(
    *, user: object, by_email: Mapping[str, bool], organization_id: int | None = None
) -> dict[str, bool]:
    """Store which kinds the person receives by e-mail (kinds not named keep theirs); audited
    as a change of the user. ValueError for an unknown kind."""
    unknown = sorted(set(by_email) - set(KIND_LABELS))
    if unknown:
        raise ValueError(f"Unknown notification kind: {', '.join(unknown)}.")
    with transaction.atomic():
        before = notification_preferences(user=user)
        changes = {
            f"email:{kind}": [before[kind], bool(wanted)]
            for kind, wanted in by_email.items()
            if before[kind] != bool(wanted)
        }
        for kind, wanted in by_email.items():
            NotificationPreference.objects.update_or_create(
                user_id=getattr(user, "pk", None) or 0,
                kind=kind,
                defaults={"by_email": bool(wanted)},
            )
        if changes:
            audit_record(
                organization_id=organization_id,
                record=user,  # type: ignore[arg-type]
                record_type=AuditRecordType.USER.value,
                action=AuditAction.UPDATED.value,
                reason="Notification preferences",
                changes=changes,
                actor=user,
            )
    return notification_preferences(user=user)


@dataclass(frozen=True)
class ItemFacts:
    """What a message tells of a remediation item (read from a row, or known by the caller)."""

    id: int
    organization_id: int
    vendor_name: str
    kpi_name: str
    kpi_code: str
    opened_period: str
    cure_deadline: dt.date | None
    status: str

    @classmethod
    def of(cls, item: RemediationItem) -> ItemFacts:
        """The facts of a stored item (its vendor and KPI loaded)."""
        return cls(
            id=item.pk,
            organization_id=item.organization_id,
            vendor_name=item.vendor.name,
            kpi_name=item.kpi.name,
            kpi_code=item.kpi.code,
            opened_period=item.opened_period,
            cure_deadline=item.cure_deadline,
            status=item.status,
        )


def _facts(item: RemediationItem | ItemFacts) -> ItemFacts:
    return item if isinstance(item, ItemFacts) else ItemFacts.of(item)


def _item_line(item: ItemFacts) -> str:
    deadline = item.cure_deadline.isoformat() if item.cure_deadline else "none"
    return (
        f"Vendor: {item.vendor_name}\nKPI: {item.kpi_name} ({item.kpi_code})\n"
        f"Opened for period: {item.opened_period}\nCure deadline: {deadline}\n"
        f"Status: {item.status}\n"
    )


def breach_message(item: RemediationItem | ItemFacts) -> Message:
    """A KPI breached and a remediation item was opened (once per item)."""
    facts = _facts(item)
    return Message(
        organization_id=facts.organization_id,
        key=f"breach:{facts.id}",
        kind="breach",
        subject=f"SLA breach: {facts.vendor_name} {facts.kpi_name} ({facts.opened_period})",
        body="A KPI breached its warning threshold; a remediation item is open.\n\n"
        + _item_line(facts),
        link=reverse("remediation-board"),
    )


def escalation_message(item: RemediationItem | ItemFacts, *, event_id: int, reason: str) -> Message:
    """A remediation item was escalated (once per escalation event)."""
    facts = _facts(item)
    return Message(
        organization_id=facts.organization_id,
        key=f"escalation:{facts.id}:{event_id}",
        kind="escalation",
        subject=f"Remediation escalated: {facts.vendor_name} {facts.kpi_name}",
        body=f"{reason}\n\n" + _item_line(facts),
        link=reverse("remediation-board"),
    )


def termination_right_message(
    *, organization_id: int, right_id: int, vendor_name: str, kpi_name: str, periods: list[str]
) -> Message:
    """A termination right was raised by consecutive breaches (once per right)."""
    return Message(
        organization_id=organization_id,
        key=f"termination:{right_id}",
        kind="termination_right",
        subject=f"Termination right raised: {vendor_name} {kpi_name}",
        body=(
            f"{vendor_name} breached {kpi_name} in {len(periods)} consecutive periods "
            f"({', '.join(periods)}). The contract's termination right is raised; this is an "
            "alert for a person to act on, nothing has been terminated."
        ),
        link=reverse("dashboard"),
    )


def escalation_notify(*, item: RemediationItem, event_id: int, reason: str) -> bool:
    """Tell the organization a remediation item was escalated."""
    return notification_send_once(escalation_message(item, event_id=event_id, reason=reason))


def cure_reminders_send(*, today: dt.date) -> int:
    """Remind of every open breach item whose cure deadline falls within the next seven days
    (once per item); the number sent."""
    items = (
        RemediationItem.objects.select_related("vendor", "kpi")
        .filter(
            kind="breach",
            cure_deadline__gte=today,
            cure_deadline__lte=today + dt.timedelta(days=REMINDER_DAYS),
        )
        .exclude(status__in=[RemediationStatus.CLOSED, RemediationStatus.WAIVED])
    )
    messages = []
    for item in items:
        assert item.cure_deadline is not None
        days = (item.cure_deadline - today).days
        messages.append(
            Message(
                organization_id=item.organization_id,
                key=f"cure_reminder:{item.pk}",
                kind="cure_reminder",
                subject=(
                    f"Cure deadline in {days} day(s): {item.vendor.name} {item.kpi.name} "
                    f"({item.cure_deadline.isoformat()})"
                ),
                body="A remediation item's cure deadline is near.\n\n"
                + _item_line(ItemFacts.of(item)),
                link=reverse("remediation-board"),
            )
        )
    return messages_send(messages)


# --- Disputes (the disputes app): in-app and by e-mail, as every kind ----------------------------
def dispute_opened_notify(*, dispute_id: int) -> bool:
    """Tell the organization's administrators and compliance members a vendor opened a dispute."""
    from disputes.models import Dispute

    dispute = Dispute.objects.select_related("vendor").prefetch_related("items").get(pk=dispute_id)
    kpis = ", ".join(item.kpi_name for item in dispute.items.all())
    return notify(
        Message(
            organization_id=dispute.organization_id,
            key=f"dispute:{dispute.pk}:open",
            kind="dispute_opened",
            subject=f"Dispute: {dispute.vendor.name} {dispute.period} ({kpis})",
            body=f"{dispute.opened_by_name} disputed {kpis} of {dispute.vendor.name}'s "
            f"{dispute.period} scorecard.\n\nReason: {dispute.reason}\n",
            link=reverse("dispute-detail", args=[dispute.pk]),
        )
    )


def dispute_step_notify(*, dispute_id: int, status: str) -> bool:
    """Tell the person who opened a dispute that it was answered, accepted or rejected."""
    from disputes.models import Dispute

    dispute = Dispute.objects.select_related("vendor", "opened_by").get(pk=dispute_id)
    opener = dispute.opened_by
    recipients = [] if opener is None else [Recipient(user_id=opener.pk, email=opener.email or "")]
    event = dispute.events.filter(to_status=status).last()
    return notify(
        Message(
            organization_id=dispute.organization_id,
            key=f"dispute:{dispute.pk}:{status}",
            kind=f"dispute_{status}",
            subject=f"Dispute {status}: {dispute.vendor.name} {dispute.period}",
            body=f"Your dispute of the {dispute.period} scorecard was {status}.\n\n"
            f"Reason: {event.reason if event else ''}\n",
            link=reverse("dispute-detail", args=[dispute.pk]),
        ),
        recipients=recipients,
    )
