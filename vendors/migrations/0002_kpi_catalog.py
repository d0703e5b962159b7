"""Load the KPI catalog: the six KPIs of the default SLA template and the further entries.

Figures from domain.md section 2 (document 004). Formulas are expressions over raw fields and
``period_days`` (calendar days in the period); the catalog is data that administrators extend.
"""

from decimal import Decimal

from django.db import migrations

CLAIMS = "claims_submitted"
CATALOG = [
    # code, name, unit, direction, benchmark, warning, weight, formula, volume field, source, aliases
    (
        "first_pass_acceptance_rate", "First-pass claim acceptance rate", "percent", "higher",
        "95", "90", "25", "claims_accepted_first_pass / claims_submitted * 100", CLAIMS,
        "Vendor monthly report; recomputed from claim counts",
        ["First pass rate", "First-pass rate", "FPAR", "First pass acceptance", "Clean submission rate"],
    ),
    (
        "denial_rate", "Denial rate", "percent", "lower", "8", "12", "20",
        "claims_denied / claims_submitted * 100", CLAIMS,
        "Vendor monthly report; recomputed from claim counts",
        ["Denials rate", "Initial denial rate", "Denial %"],
    ),
    (
        "days_in_ar", "Days in accounts receivable", "days", "lower", "40", "55", "20",
        "total_ar / (gross_charges / period_days)", "",
        "Vendor monthly report; recomputed from A/R and charges",
        ["Days in A/R", "Days in AR", "AR days", "A/R days", "DAR"],
    ),
    (
        "net_collection_rate", "Net collection rate", "percent", "higher", "95", "90", "20",
        "payments / (gross_charges - contractual_adjustments) * 100", "",
        "Vendor monthly report; recomputed from payments, charges and adjustments",
        ["NCR", "Net collections", "Adjusted collection rate"],
    ),
    (
        "coding_turnaround_hours", "Coding turnaround time", "hours", "lower", "48", "72", "10",
        "", "", "Vendor monthly report (documentation received to coded)",
        ["Coding turnaround", "Coding TAT", "Coding turnaround (hours)"],
    ),
    (
        "resubmission_turnaround_business_days", "Resubmission turnaround", "business_days",
        "lower", "2", "5", "5", "", "",
        "Vendor monthly report (rejection to corrected resubmission)",
        ["Resubmission TAT", "Rejection resubmission turnaround"],
    ),
]
FURTHER = [
    ("clean_claim_rate", "Clean claim rate", "percent", "higher", "", "",
     "Vendor monthly report (claims passing scrubber edits)", []),
    ("appeal_win_rate", "Appeal win rate", "percent", "higher", "", "",
     "Vendor monthly report (appeals overturned / appeals decided)", ["Appeal success rate"]),
    ("coding_accuracy_rate", "Coding accuracy rate", "percent", "higher", "", "",
     "Quality-assurance coding audits", ["Coding accuracy", "Audit accuracy"]),
    ("aged_ar_over_90_rate", "A/R over 90 days", "percent", "lower",
     "(ar_91_120 + ar_over_120) / total_ar * 100", "",
     "Vendor monthly report; recomputed from the A/R aging buckets",
     ["AR over 90", "A/R > 90 days", "Aged AR over 90 days"]),
    ("denial_first_touch_within_sla_rate", "Denials touched within SLA", "percent", "higher",
     "", "", "Denial work logs (document 002: first touch within 1 business day)",
     ["First touch within SLA"]),
    ("account_manager_response_business_days", "Account manager response time",
     "business_days", "lower", "", "", "Practice log of requests (document 004: under one business day)",
     ["Account manager response"]),
]


def load(apps, schema_editor):
    KPI = apps.get_model("vendors", "KPIDefinition")
    order = 10
    for code, name, unit, direction, bench, warn, weight, formula, volume, source, aliases in CATALOG:
        KPI.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name, unit=unit, direction=direction, formula=formula, volume_field=volume,
                source=source, aliases=aliases, default_benchmark=Decimal(bench),
                default_warning=Decimal(warn), default_weight=Decimal(weight),
                in_default_template=True, display_order=order,
            ),
        )
        order += 10
    for code, name, unit, direction, formula, volume, source, aliases in FURTHER:
        KPI.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name, unit=unit, direction=direction, formula=formula, volume_field=volume,
                source=source, aliases=aliases, in_default_template=False, display_order=order,
            ),
        )
        order += 10


def unload(apps, schema_editor):
    KPI = apps.get_model("vendors", "KPIDefinition")
    KPI.objects.filter(code__in=[c[0] for c in CATALOG] + [f[0] for f in FURTHER]).delete()


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
