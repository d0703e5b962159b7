"""``manage.py import_report FILE --vendor SLUG``: ingest one report file (domain.md section 6).

``--multi-vendor`` (with ``--organization``, or a ``--vendor`` of the organization) stores a file
whose vendor column names each row's vendor; without it, the file is the one vendor's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from vendors import selectors
from vendors.ingest.errors import FileRefused
from vendors.models import Organization, Report, Vendor
from vendors.services.reports import report_ingest


class Command(BaseCommand):
    """Ingest a CSV or XLSX report: a summary on success, every error by row and column if not."""

    help = (
        "Ingest one vendor report file (CSV or XLSX). Exit 0 with a summary when stored; exit 1 "
        "listing every error by row and column when refused (nothing is stored then)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the CSV or XLSX file.")
        parser.add_argument(
            "--vendor",
            help="Slug of the vendor the file is for (optional with --multi-vendor).",
        )
        parser.add_argument(
            "--multi-vendor",
            action="store_true",
            help="The file's vendor column names each row's vendor (of one organization).",
        )
        parser.add_argument(
            "--organization",
            help="Organization slug, when the vendor slug is ambiguous or --multi-vendor has no "
            "--vendor.",
        )
        parser.add_argument("--period", help="Period YYYY-MM, when the file has no period column.")
        parser.add_argument("--sheet", help="XLSX sheet name (default: the first sheet).")
        parser.add_argument(
            "--decimal-mark",
            choices=[".", ","],
            help="How the file writes decimals (default: the vendor's setting, else undeclared).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        organization, vendor = _target(options)
        try:
            result = report_ingest(
                organization=organization,
                vendor=vendor,
                multi_vendor=options["multi_vendor"],
                content=path.read_bytes(),
                file_name=path.name,
                period=options["period"],
                sheet=options["sheet"],
                decimal_mark=options["decimal_mark"],
            )
        except FileRefused as exc:
            self.stderr.write(f"{path.name} was refused; nothing was stored. Errors:")
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            if exc.more_errors:
                self.stderr.write(f"  ... {exc.more_errors_text()}")
            raise CommandError(f"{exc.error_count:,} error(s) in {path.name}.") from exc
        self.stdout.write(self.style.SUCCESS(result.summary()))
        for note in result.notes:  # totals and footnote rows below the data, skipped
            self.stdout.write(f"  note: {note}")
        # One query for every report's counts (a network file stores thousands).
        counted = (
            Report.objects.filter(upload=result.upload)
            .select_related("vendor")
            .annotate(
                value_count=Count("values", distinct=True),
                insufficient=Count(
                    "values", filter=Q(values__insufficient_data=True), distinct=True
                ),
                finding_count=Count("findings", distinct=True),
            )
            .order_by("pk")
        )
        for report in counted:
            flagged = report.finding_count if not result.duplicate else 0
            self.stdout.write(
                f"  {report.vendor.slug} {report.period} version {report.version}: "
                f"{report.value_count} values, {flagged} finding(s), "
                f"{report.insufficient} with insufficient data"
            )


def _target(options: dict[str, Any]) -> tuple[Organization, Vendor | None]:
    """The organization and vendor the file is for, by the command's options."""
    try:
        if options["vendor"]:
            vendor = selectors.vendor_by_slug(
                slug=options["vendor"], organization_slug=options["organization"]
            )
            return vendor.organization, vendor
        if options["multi_vendor"] and options["organization"]:
            return Organization.objects.get(slug=options["organization"]), None
    except (Vendor.DoesNotExist, Vendor.MultipleObjectsReturned) as exc:
        raise CommandError(str(exc)) from exc
    except Organization.DoesNotExist as exc:
        raise CommandError(f"No organization with slug {options['organization']!r}.") from exc
    if options["multi_vendor"]:
        raise CommandError("Give --organization SLUG with --multi-vendor.")
    raise CommandError(
        "Give --vendor SLUG (or --multi-vendor --organization SLUG for a file whose "
        "vendor column names each row's vendor)."
    )
