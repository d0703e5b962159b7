"""``manage.py evaluate [--period YYYY-MM] [--vendor SLUG] [--full]``: (re)build scorecards,
repeatably. Without ``--period`` every month is evaluated (the full run); with it, that month is
written from the few months before it that it depends on (``--full``: read the whole history)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scorecard.services.evaluation import evaluate
from vendors.models import PERIOD_VALIDATOR, Vendor
from vendors.selectors import vendor_by_slug


class Command(BaseCommand):
    """Evaluate stored reports into scorecards and remediation state, periods in order."""

    help = (
        "(Re)build scorecards and remediation state from the stored reports; running it again "
        "with the same inputs changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="Only (re)issue this period's scorecards (YYYY-MM).")
        parser.add_argument("--vendor", help="Only this vendor (slug).")
        parser.add_argument(
            "--organization", help="Organization slug, if the vendor slug is shared."
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read and evaluate every month of the history (the default without --period).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        period = options.get("period")
        if period:
            try:
                PERIOD_VALIDATOR(period)
            except Exception as exc:
                raise CommandError(f"--period {period!r}: a period is written YYYY-MM.") from exc
        vendor_ids = None
        if options.get("vendor"):
            try:
                vendor = vendor_by_slug(
                    slug=options["vendor"], organization_slug=options.get("organization")
                )
            except (Vendor.DoesNotExist, Vendor.MultipleObjectsReturned) as exc:
                raise CommandError(str(exc)) from exc
            vendor_ids = [vendor.pk]
        summary = evaluate(
            vendor_ids=vendor_ids, period=period, full=True if options["full"] else None
        )
        self.stdout.write(
            f"Scorecards issued: {summary.issued}, unchanged: {summary.unchanged}; "
            f"remediation items opened: {summary.opened}, escalated: {summary.escalated}, "
            f"closed: {summary.closed}; termination rights raised: {summary.termination_rights}; "
            f"notifications sent: {summary.notifications}."
        )
