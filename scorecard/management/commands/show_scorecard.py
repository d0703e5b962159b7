"""``manage.py show_scorecard --vendor SLUG --period YYYY-MM [--json]``: print one scorecard."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scorecard.selectors import scorecard_current, scorecard_payload
from vendors.models import PERIOD_VALIDATOR, Vendor
from vendors.selectors import rescoring_vendor_ids, vendor_by_slug


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


class Command(BaseCommand):
    """A table for people, JSON for scripts (the same fields as the API)."""

    help = "Print one vendor's current scorecard for a period: a table, or JSON with --json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--vendor", required=True, help="Vendor slug.")
        parser.add_argument("--period", required=True, help="Period, YYYY-MM.")
        parser.add_argument(
            "--organization", help="Organization slug, if the vendor slug is shared."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON (API fields).")

    def handle(self, *args: Any, **options: Any) -> None:
        period = options["period"]
        try:
            PERIOD_VALIDATOR(period)
        except Exception as exc:
            raise CommandError(f"--period {period!r}: a period is written YYYY-MM.") from exc
        try:
            vendor = vendor_by_slug(
                slug=options["vendor"], organization_slug=options.get("organization")
            )
        except (Vendor.DoesNotExist, Vendor.MultipleObjectsReturned) as exc:
            raise CommandError(str(exc)) from exc
        card = scorecard_current(vendor=vendor, period=period)
        if card is None:
            raise CommandError(
                f"No scorecard for {vendor.slug} in {period}; import its report, then run "
                "manage.py evaluate."
            )
        data = scorecard_payload(
            card,
            rescoring=card.vendor_id
            in rescoring_vendor_ids(organization_id=vendor.organization_id),
        )
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(self.render(data))

    def render(self, data: dict[str, Any]) -> str:
        """The scorecard as a plain-text table."""
        lines = [
            f"{data['vendor_name']} ({data['vendor']})  period {data['period']}  "
            f"revision {data['revision']}",
            f"Overall score: {_cell(data['overall_score'])}  Standing: {data['standing'] or '-'}",
        ]
        late = {"late": " (LATE)", "missing": " (MISSING: no report received)"}.get(
            data["report_status"], ""
        )
        lines.append(f"Report due: {_cell(data['report_due_date'])}{late}")
        if data["rescoring"]:
            lines.append("Re-scoring...: an input changed; a newer revision may follow.")
        header = (
            "KPI",
            "value",
            "stated",
            "recomputed",
            "benchmark",
            "warning",
            "points",
            "status",
        )
        rows = [
            (
                k["kpi"],
                _cell(k["value"]),
                _cell(k["stated_value"]),
                _cell(k["recomputed_value"]),
                _cell(k["benchmark"]),
                _cell(k["warning"]),
                _cell(k["points"]),
                k["status"],
            )
            for k in data["kpis"]
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines += ["", fmt.format(*header), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*r) for r in rows]
        lines += [
            "",
            f"Fee: {_cell(data['fee'])} {data['currency']}  Credit: {_cell(data['credit'])} "
            f"{data['currency']}  Effective rate: {_cell(data['effective_rate'])} %  "
            f"Cost per claim: {_cell(data['cost_per_claim'])}",
        ]
        if data["findings"]:
            lines.append("Findings:")
            lines += [f"  [{f['code']}] {f['message']}" for f in data["findings"]]
        if data["remediations"]:
            lines.append("Remediation:")
            lines += [
                f"  {r['kpi']} {r['kind']}: {r['status']} (opened {r['opened_period']}, "
                f"cure by {_cell(r['cure_deadline'])})"
                for r in data["remediations"]
            ]
        if data["termination_rights"]:
            lines.append("Termination rights raised:")
            lines += [
                f"  {t['kpi']}: breach in {', '.join(t['periods'])}"
                for t in data["termination_rights"]
            ]
        return "\n".join(lines) + "\n"
