"""E-mail notifications, each sent once: the unique ``Notification.key`` is the guarantee.

Recipients are the organization's administrators and compliance members with an e-mail address.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from scorecard.models import Notification, RemediationItem, RemediationStatus
from vendors import selectors as vendor_selectors
from vendors.models import Role

logger = logging.getLogger(__name__)
RECIPIENT_ROLES = {Role.ADMIN.value, Role.COMPLIANCE.value}
REMINDER_DAYS = 7


def notification_send_once(
    *, organization_id: int, key: str, kind: str, subject: str, body: str
) -> bool:
    """Send one e-mail to the organization's admin and compliance members unless ``key`` was
    sent before; True when it was sent now.

    The row and the mail go together: if sending fails, the row is rolled back so a later run
    tries again; if the row exists, nothing is sent.
    """
    recipients = vendor_selectors.member_emails(
        organization_id=organization_id, roles=RECIPIENT_ROLES
    )
    try:
        with transaction.atomic():
            Notification.objects.create(
                organization_id=organization_id,
                key=key,
                kind=kind,
                subject=subject[:300],
                recipients=recipients,
                sent_at=timezone.now(),
            )
            if recipients:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except IntegrityError:
        return False  # sent before
    return True


def _item_line(item: RemediationItem) -> str:
    deadline = item.cure_deadline.isoformat() if item.cure_deadline else "none"
    return (
        f"Vendor: {item.vendor.name}\nKPI: {item.kpi.name} ({item.kpi.code})\n"
        f"Opened for period: {item.opened_period}\nCure deadline: {deadline}\n"
        f"Status: {item.status}\n"
    )


def breach_notify(*, item: RemediationItem) -> bool:
    """Tell the organization a KPI breached and a remediation item was opened."""
    return notification_send_once(
        organization_id=item.organization_id,
        key=f"breach:{item.pk}",
        kind="breach",
        subject=f"SLA breach: {item.vendor.name} {item.kpi.name} ({item.opened_period})",
        body="A KPI breached its warning threshold; a remediation item is open.\n\n"
        + _item_line(item),
    )


def escalation_notify(*, item: RemediationItem, event_id: int, reason: str) -> bool:
    """Tell the organization a remediation item was escalated (once per escalation event)."""
    return notification_send_once(
        organization_id=item.organization_id,
        key=f"escalation:{item.pk}:{event_id}",
        kind="escalation",
        subject=f"Remediation escalated: {item.vendor.name} {item.kpi.name}",
        body=f"{reason}\n\n" + _item_line(item),
    )


def termination_right_notify(
    *, organization_id: int, right_id: int, vendor_name: str, kpi_name: str, periods: list[str]
) -> bool:
    """Tell the organization a termination right was raised by consecutive breaches."""
    return notification_send_once(
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


def cure_reminders_send(*, today: dt.date) -> int:
    """Remind of every open breach item whose cure deadline falls within the next seven days
    (once per item); the number sent."""
    items = RemediationItem.objects.select_related("vendor", "kpi").filter(
        kind="breach",
        cure_deadline__gte=today,
        cure_deadline__lte=today + dt.timedelta(days=REMINDER_DAYS),
    )
    items = items.exclude(status__in=[RemediationStatus.CLOSED, RemediationStatus.WAIVED])
    sent = 0
    for item in items:
        assert item.cure_deadline is not None
        days = (item.cure_deadline - today).days
        sent += notification_send_once(
            organization_id=item.organization_id,
            key=f"cure_reminder:{item.pk}",
            kind="cure_reminder",
            subject=(
                f"Cure deadline in {days} day(s): {item.vendor.name} {item.kpi.name} "
                f"({item.cure_deadline.isoformat()})"
            ),
            body="A remediation item's cure deadline is near.\n\n" + _item_line(item),
        )
    return sent
