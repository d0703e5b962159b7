"""Every write to an organization's holidays (days that are not business days).

A holiday moves report due dates, so each change asks for the organization's vendors to be
re-scored from the period whose report falls due in the holiday's month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from vendors import periods
from vendors.models import Holiday, Organization

from .rescore import rescore_organization


def _affected_from(days: Iterable[dt.date]) -> str | None:
    """The first period whose due date a change of these days can move: the month before."""
    first = min(days, default=None)
    return None if first is None else periods.previous_period(periods.period_of(first))


@transaction.atomic
def holiday_add(*, organization: Organization, date: dt.date, name: str = "") -> Holiday:
    """Make a date a holiday of the organization (re-scores the periods it can move)."""
    if Holiday.objects.filter(organization=organization, date=date).exists():
        raise ValidationError({"date": f"{date.isoformat()} is already a holiday."})
    holiday = Holiday.objects.create(organization=organization, date=date, name=name)
    rescore_organization(
        organization_id=organization.pk,
        from_period=_affected_from([date]) or "",
        reason=f"holiday {date.isoformat()} added",
    )
    return holiday


@transaction.atomic
def holiday_remove(*, organization: Organization, date: dt.date) -> None:
    """Make a date a business day again (re-scores the periods it can move)."""
    holiday = Holiday.objects.filter(organization=organization, date=date).first()
    if holiday is None:
        raise ValidationError({"date": f"{date.isoformat()} is not a holiday."})
    holiday.delete()
    rescore_organization(
        organization_id=organization.pk,
        from_period=_affected_from([date]) or "",
        reason=f"holiday {date.isoformat()} removed",
    )


@transaction.atomic
def holidays_set(*, organization: Organization, dates: Iterable[dt.date | str]) -> list[Holiday]:
    """Replace the organization's holiday list (ISO dates or dates); re-scores when it changed."""
    wanted: set[dt.date] = set()
    for i, value in enumerate(dates):
        try:
            wanted.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(value))
        except ValueError as exc:
            raise ValidationError(
                {"dates": f"Date {i + 1}: {value!r} is not an ISO date (YYYY-MM-DD)."}
            ) from exc
    have = set(Holiday.objects.filter(organization=organization).values_list("date", flat=True))
    changed = wanted ^ have
    if changed:
        # One row at a time, so that the history records each (a list is a few dozen days).
        for gone in Holiday.objects.filter(organization=organization, date__in=have - wanted):
            gone.delete()
        for day in sorted(wanted - have):
            Holiday.objects.create(organization=organization, date=day)
        rescore_organization(
            organization_id=organization.pk,
            from_period=_affected_from(changed) or "",
            reason="holiday list changed",
        )
    return list(Holiday.objects.filter(organization=organization))


def holidays_default() -> list[dt.date]:
    """The holidays a new organization starts with: the ``SCORECARD_HOLIDAYS`` setting."""
    return sorted(periods.parse_holidays(settings.SCORECARD_HOLIDAYS))
