"""Give each KPI added before the catalog was per organization to the organization that uses it.

Until then any administrator's KPI was global. A KPI that is not one of the shipped ones (0002)
and whose SLA terms all belong to one organization's contracts becomes that organization's own;
one used by several organizations, or by none, stays shared as before (an operator decides).
"""

from django.db import migrations

SHIPPED = {
    "first_pass_acceptance_rate", "denial_rate", "days_in_ar", "net_collection_rate",
    "coding_turnaround_hours", "resubmission_turnaround_business_days", "clean_claim_rate",
    "appeal_win_rate", "coding_accuracy_rate", "aged_ar_over_90_rate",
    "denial_first_touch_within_sla_rate", "account_manager_response_business_days",
}


def assign(apps, schema_editor):
    KPI = apps.get_model("vendors", "KPIDefinition")
    SLATerm = apps.get_model("vendors", "SLATerm")
    for kpi in KPI.objects.filter(organization__isnull=True).exclude(code__in=SHIPPED):
        users = set(
            SLATerm.objects.filter(kpi=kpi).values_list("contract__organization_id", flat=True)
        )
        if len(users) == 1:
            kpi.organization_id = users.pop()
            kpi.save(update_fields=["organization"])


class Migration(migrations.Migration):
    dependencies = [("vendors", "0006_catalog_per_organization")]
    operations = [migrations.RunPython(assign, migrations.RunPython.noop)]
