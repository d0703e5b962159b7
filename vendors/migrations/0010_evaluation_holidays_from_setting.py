"""Give every existing organization the holidays of ``SCORECARD_HOLIDAYS`` (which used to apply
to all of them), so that moving holidays into organization data changes no due date."""

import datetime as dt

from django.conf import settings
from django.db import migrations


def copy_setting(apps, schema_editor):
    Organization = apps.get_model("vendors", "Organization")
    Holiday = apps.get_model("vendors", "Holiday")
    days = sorted({dt.date.fromisoformat(str(d)) for d in settings.SCORECARD_HOLIDAYS})
    Holiday.objects.bulk_create(
        [
            Holiday(organization_id=org_id, date=day, name="")
            for org_id in Organization.objects.values_list("id", flat=True)
            for day in days
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("vendors", "0009_evaluation_holidays_pending_rescore")]

    operations = [migrations.RunPython(copy_setting, migrations.RunPython.noop)]
