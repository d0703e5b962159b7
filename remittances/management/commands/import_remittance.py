"""``manage.py import_remittance FILE... [--organization SLUG] [--vendor SLUG]``: validate (pyx12)
and store X12 835 remittance files (domain.md section 8), each whole or not at all.

``--vendor`` maps the payees of these files that no vendor is mapped to yet to that vendor. Many
files get a progress bar; every refusal is listed with its segment numbers and the command exits
1 when any file was refused (the others are stored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from remittances.services.imports import remittance_import
from remittances.x12 import RemittanceRefused
from scorecard.embedded_worker import progress_bar
from vendors import selectors
from vendors.models import Organization, Vendor


def _organization(slug: str | None, vendor: Vendor | None) -> Organization:
    if vendor is not None:
        return vendor.organization
    if slug:
        found = Organization.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No organization with slug {slug!r}.")
        return found
    only = list(Organization.objects.order_by("pk")[:2])
    if len(only) != 1:
        raise CommandError("Name the organization (--organization SLUG) or the vendor (--vendor).")
    return only[0]


class Command(BaseCommand):
    """Import 835 files: a line per file, every refusal with its reasons, exit 1 on a refusal."""

    help = (
        "Validate (pyx12, 005010X221A1) and store X12 835 remittance files, each whole or not at "
        "all; the same file twice changes nothing. Exit 1 listing every refusal by segment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Paths of the 835 files.")
        parser.add_argument("--organization", help="Organization slug.")
        parser.add_argument(
            "--vendor",
            help="Vendor slug: payees of these files not mapped yet are mapped to this vendor.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        vendor = None
        if options["vendor"]:
            try:
                vendor = selectors.vendor_by_slug(
                    slug=options["vendor"], organization_slug=options["organization"]
                )
            except (Vendor.DoesNotExist, Vendor.MultipleObjectsReturned) as exc:
                raise CommandError(str(exc)) from exc
        organization = _organization(options["organization"], vendor)
        paths = [Path(name) for name in options["files"]]
        refusals: list[str] = []
        lines: list[str] = []
        tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        for done, path in enumerate(paths, start=1):
            outcome = self._one(path, organization, vendor)
            (lines if outcome[0] else refusals).append(outcome[1])
            if len(paths) > 1:
                bar = progress_bar(done, len(paths))
                self.stdout.write(("\r" + bar) if tty else bar, ending="" if tty else "\n")
        if len(paths) > 1 and tty:
            self.stdout.write("")
        for line in lines:
            self.stdout.write(line)
        if refusals:
            for text in refusals:
                self.stderr.write(text)
            raise CommandError(
                f"{len(refusals)} of {len(paths)} files refused; nothing of them was stored."
            )

    def _one(
        self, path: Path, organization: Organization, vendor: Vendor | None
    ) -> tuple[bool, str]:
        """(stored or already there, the line to print) for one file."""
        if not path.is_file():
            return False, f"{path}: no such file."
        size = path.stat().st_size
        if size > settings.REMITTANCE_MAX_BYTES:
            return False, (
                f"{path}: refused: the file is {size} bytes; at most "
                f"{settings.REMITTANCE_MAX_BYTES} bytes are read."
            )
        try:
            result = remittance_import(
                organization=organization,
                data=path.read_bytes(),
                file_name=path.name,
                vendor=vendor,
            )
        except RemittanceRefused as exc:
            reasons = "\n".join(f"  {error}" for error in exc.errors)
            return False, f"{path}: refused:\n{reasons}"
        return True, result.message
