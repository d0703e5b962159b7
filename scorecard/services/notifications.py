"""E-mail notifications, each sent once: the unique ``Notification.key`` is the guarantee.

Recipients are the organization's administrators and compliance members with an e-mail address.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from scorecard.models import Notification, RemediationItem, RemediationStatus
from vendors import bulk as db
from vendors import selectors as vendor_selectors
from vendors.models import Role

logger = logging.getLogger(__name__)
RECIPIENT_ROLES = {Role.ADMIN.value, Role.COMPLIANCE.value}
REMINDER_DAYS = 7


@dataclass(frozen=True)
class Message:
    """One notification to send once: ``key`` names the event it is about."""

    organization_id: int
    key: str
    kind: str
    subject: str
    body: str
    link: str = ""  # where the in-app notification leads (a page path)


def notification_send_once(message: Message, *, recipients: list[str] | None = None) -> bool:
    """Send one e-mail to the organization's admin and compliance members unless its key was
    sent before; True when it was sent now.

    The row and the mail go together: if sending fails, the row is rolled back so a later run
    tries again; if the row exists, nothing is sent.
    """
    if recipients is None:
        recipients = vendor_selectors.member_emails(
            organization_id=message.organization_id, roles=RECIPIENT_ROLES
        )
    try:
        with transaction.atomic():
            Notification.objects.create(
                organization_id=message.organization_id,
                key=message.key,
                kind=message.kind,
                subject=message.subject[:300],
                recipients=recipients,
                sent_at=timezone.now(),
            )
            if recipients:
                send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, recipients)
    except IntegrityError:
        return False  # sent before
    except (OSError, smtplib.SMTPException) as exc:
        # The mail server refused or is away: the row was rolled back, a later run retries.
        logger.warning("Notification %s not sent: %s", message.key, exc)
        return False
    return True


def messages_send(messages: Iterable[Message]) -> int:
    """Send many notifications once each; the number of e-mails sent now.

    Organizations with nobody to tell get their rows recorded in one insert (so a member added
    later is not flooded with old events).
    """
    messages = list(messages)
    if not messages:
        return 0
    recipients = vendor_selectors.member_emails_by_organization(
        organization_ids=sorted({m.organization_id for m in messages}), roles=RECIPIENT_ROLES
    )
    now = timezone.now()
    db.insert_rows(
        Notification,
        ["organization_id", "key", "kind", "subject", "recipients", "sent_at"],
        [
            (m.organization_id, m.key, m.kind, m.subject[:300], [], now)
            for m in messages
            if not recipients[m.organization_id]
        ],
        ignore_conflicts=True,
    )
    return sum(
        notification_send_once(m, recipients=recipients[m.organization_id])
        for m in messages
        if recipients[m.organization_id]
    )


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
            )
        )
    return messages_send(messages)
