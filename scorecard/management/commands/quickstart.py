"""``manage.py quickstart``: the whole product on the embedded default, in one command."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from scorecard.services.evaluation import evaluate
from vendors import demo


class Command(BaseCommand):
    """Migrate, build the demo organization, then serve on 127.0.0.1 (safe to run twice)."""

    help = (
        "Set up the embedded default (SQLite, no services): migrate, create a demo organization "
        "with three vendors, print the login, then serve on 127.0.0.1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Stop after setting up.")
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Migrating the database ...")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Building the demo organization ...")
        org = demo.demo_setup()
        self.stdout.write(self.style.SUCCESS(f"Demo organization: {org.name} ({org.slug})"))
        self.stdout.write("Loading twelve months of vendor reports ...")
        self.stdout.write(f"Report versions stored: {demo.demo_reports(org)}")
        from remittances.demo import demo_remittances

        self.stdout.write(f"Payer remittances (835) stored: {demo_remittances(org)}")
        # Scorecards step (after the reports step): evaluate every period, in order.
        self.stdout.write("Evaluating every period ...")
        summary = evaluate()
        self.stdout.write(
            f"Scorecards issued: {summary.issued} ({summary.unchanged} unchanged); "
            f"remediation items opened: {summary.opened}; "
            f"termination rights: {summary.termination_rights}"
        )
        # PDF step: the latest month's PDF scorecards, rendered by Celery jobs exactly as
        # render_scorecards does (a worker subprocess on the embedded default, then stopped).
        self.render_latest_pdfs(org)
        self.stdout.write("")
        self.stdout.write(
            "Sign in with any of these (password for all: " + demo.DEMO_PASSWORD + "):"
        )
        for username, role, staff in demo.DEMO_USERS:
            admin_site = " (and the admin site, /admin/, for this organization)" if staff else ""
            self.stdout.write(f"  {username:<11} {role.label}{admin_site}")
        if options["no_serve"]:
            return
        self.serve(options["port"])

    def render_latest_pdfs(self, org: Any) -> None:
        """Render the PDF scorecards of the demo organization's latest period (safe to repeat)."""
        from django.db.models import Max

        from scorecard.management.commands.render_scorecards import render_period
        from scorecard.models import Scorecard

        latest = Scorecard.objects.filter(organization=org, is_current=True).aggregate(
            latest=Max("period")
        )["latest"]
        if latest is None:
            return
        self.stdout.write(f"Rendering the PDF scorecards of {latest} ...")
        rendered = render_period(period=latest, organization=org, stdout=self.stdout)
        done = [job for job in rendered if job.status == "done"]
        self.stdout.write(f"PDF scorecards: {len(done)} of {len(rendered)} under MEDIA_ROOT")
        for job in done:
            self.stdout.write(f"  {job.file}")

    def serve(self, port: int) -> None:
        """Serve the pages and, on the embedded broker, run a Celery worker beside them."""
        worker = None
        if settings.CELERY_EMBEDDED:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "scorecard",
                    "worker",
                    "--pool=solo",
                    "--loglevel=WARNING",
                ],
                env=os.environ.copy(),
            )
        self.stdout.write(self.style.SUCCESS(f"Open http://127.0.0.1:{port}/ (Ctrl-C stops)"))
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
