"""``manage.py render_scorecards``: the PDF scorecards of a period, as Celery jobs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scorecard.embedded_worker import wait_for_batches, worker_for_duration
from scorecard.models import Job, JobStatus, Scorecard
from scorecard.services.jobs import pdf_batch_request
from vendors.models import Organization, Vendor
from vendors.selectors import vendor_by_slug

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def render_period(
    *,
    period: str,
    stdout: Any,
    vendor: Vendor | None = None,
    organization: Organization | None = None,
    timeout: float = 3600,
) -> list[Job]:
    """Queue the period's batches (one per organization), run a worker if none is there, wait
    with a progress bar, and return the finished render jobs (children of the batches)."""
    if vendor is not None:
        organization_ids = [vendor.organization_id]
    elif organization is not None:
        organization_ids = [organization.pk]
    else:
        organization_ids = list(
            Scorecard.objects.filter(period=period, is_current=True)
            .values_list("organization_id", flat=True)
            .distinct()
            .order_by("organization_id")
        )
    batches = [
        pdf_batch_request(
            organization_id=org_id, period=period, vendor_id=vendor.pk if vendor else None
        )
        for org_id in organization_ids
    ]
    total = sum(b.total for b in batches)
    if total == 0:
        return []
    with worker_for_duration() as worker:
        if worker is not None:
            stdout.write(f"Started a Celery worker (pid {worker.pid}) for the duration.\n")
        wait_for_batches([b.pk for b in batches], out=stdout, worker=worker, timeout=timeout)
    return list(
        Job.objects.filter(parent__in=[b.pk for b in batches])
        .select_related("scorecard__vendor")
        .order_by("scorecard__vendor__name")
    )


class Command(BaseCommand):
    """Queue a period's PDF scorecards, show progress, wait, then copy or list the files."""

    help = (
        "Render the PDF scorecards of a period (all current scorecards, or one vendor's) as "
        "Celery jobs, with a progress bar; copy them to --out or list where they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="Period as YYYY-MM.")
        parser.add_argument("--vendor", help="Only this vendor (slug).")
        parser.add_argument("--organization", help="Organization slug (for an ambiguous vendor).")
        parser.add_argument("--out", help="Directory to copy the PDFs into.")
        parser.add_argument(
            "--timeout", type=float, default=3600, help="Seconds to wait (default 3600)."
        )

    def _target(self, options: dict[str, Any]) -> tuple[Vendor | None, Organization | None]:
        """The vendor or organization asked for (None, None for every organization)."""
        vendor = organization = None
        try:
            if options["vendor"]:
                vendor = vendor_by_slug(
                    slug=options["vendor"], organization_slug=options["organization"]
                )
            elif options["organization"]:
                organization = Organization.objects.get(slug=options["organization"])
        except (Vendor.DoesNotExist, Vendor.MultipleObjectsReturned) as exc:
            raise CommandError(str(exc)) from exc
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with slug {options['organization']!r}.") from exc
        return vendor, organization

    def _copy_out(self, jobs: list[Any], out: str | None) -> list[Any]:
        """Print (and copy to ``out``) each rendered PDF; the jobs that did not finish."""
        out_dir = Path(out) if out else None
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        failed = []
        for job in jobs:
            if job.status != JobStatus.DONE:
                failed.append(job)
                continue
            source = Path(settings.MEDIA_ROOT) / job.file
            if out_dir is not None:
                target = out_dir / source.name
                shutil.copyfile(source, target)
                self.stdout.write(f"{target}  sha256 {job.sha256}")
            else:
                self.stdout.write(f"{source}  sha256 {job.sha256}")
        return failed

    def handle(self, *args: Any, **options: Any) -> None:
        period = options["period"]
        if not PERIOD.match(period):
            raise CommandError(f"--period must be written YYYY-MM; got {period!r}.")
        vendor, organization = self._target(options)
        try:
            jobs = render_period(
                period=period,
                vendor=vendor,
                organization=organization,
                stdout=self.stdout,
                timeout=options["timeout"],
            )
        except (TimeoutError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        if not jobs:
            raise CommandError(
                f"No current scorecards for {period}"
                + (f" and vendor {vendor.slug}" if vendor else "")
                + "; run `manage.py evaluate` first."
            )
        failed = self._copy_out(jobs, options["out"])
        for job in failed:
            self.stderr.write(
                f"FAILED {job.scorecard.vendor.name if job.scorecard else job.key} {job.period} "
                f"after {job.attempts} attempts: "
                f"{job.error}"
            )
        if failed:
            raise CommandError(f"{len(failed)} of {len(jobs)} scorecards failed to render.")
        self.stdout.write(self.style.SUCCESS(f"{len(jobs)} PDF scorecards for {period}."))
