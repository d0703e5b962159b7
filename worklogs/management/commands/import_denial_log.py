"""``manage.py import_denial_log FILE --vendor SLUG --period YYYY-MM [--organization SLUG]
[--sheet NAME]``: read and store a vendor's denial work log for one month (domain.md section 7),
whole or not at all; exit 1 listing every error by row and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vendors import selectors
from vendors.ingest.errors import FileRefused, more_text
from vendors.ingest.values import CellError, parse_period
from vendors.models import Vendor
from worklogs.services.logs import log_store


class Command(BaseCommand):
    """Store one denial work log; every refusal with its row and column, exit 1."""

    help = (
        "Read and store a vendor's denial work log (CSV or XLSX, one row per denial or per "
        "touch) for one month; the same file twice changes nothing. Exit 1 listing every error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the log (.csv or .xlsx).")
        parser.add_argument("--vendor", required=True, help="Vendor slug.")
        parser.add_argument("--period", required=True, help="The month the log covers, YYYY-MM.")
        parser.add_argument("--organization", help="Organization slug (when slugs repeat).")
        parser.add_argument("--sheet", help="XLSX sheet to read (default: the first).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            vendor = selectors.vendor_by_slug(
                slug=options["vendor"], organization_slug=options["organization"]
            )
        except (Vendor.DoesNotExist, Vendor.MultipleObjectsReturned) as exc:
            raise CommandError(str(exc)) from exc
        try:
            period = parse_period(options["period"])
        except CellError as exc:
            raise CommandError(f"--period: {exc}") from exc
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            stored = log_store(
                vendor=vendor,
                period=period,
                content=path.read_bytes(),
                file_name=path.name,
                sheet=options["sheet"],
            )
        except FileRefused as refused:
            for error in refused.errors:
                self.stderr.write(f"{path.name}: {error}")
            if refused.more_errors:
                self.stderr.write(f"{path.name}: {more_text(refused.more_errors)}")
            raise CommandError(f"{path.name} was refused; nothing was stored.") from None
        self.stdout.write(stored.message)
