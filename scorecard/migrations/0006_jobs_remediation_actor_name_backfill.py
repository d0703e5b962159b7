"""Name the actor of every remediation event recorded before names were kept beside the link."""

from django.db import migrations


def backfill(apps, schema_editor):
    # Frozen copy of vendors.services.audit.display_name: a migration must not follow later code.
    event_model = apps.get_model("scorecard", "RemediationEvent")
    for event in event_model.objects.filter(actor__isnull=False, actor_name="").select_related(
        "actor"
    ):
        user = event.actor
        full = f"{user.first_name} {user.last_name}".strip()
        event.actor_name = full or user.username
        event.save(update_fields=["actor_name"])


class Migration(migrations.Migration):
    dependencies = [("scorecard", "0005_jobs_remediation_actor_name")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
