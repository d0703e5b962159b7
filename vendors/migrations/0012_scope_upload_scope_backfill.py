"""Give the uploads received before scopes existed the scope their reports show: the vendor when
they hold one vendor's reports (else multi-vendor), the period when they hold one period."""

from collections import defaultdict

from django.db import migrations


def backfill(apps, schema_editor):
    ReportUpload = apps.get_model("vendors", "ReportUpload")
    Report = apps.get_model("vendors", "Report")
    vendors = defaultdict(set)
    periods = defaultdict(set)
    for upload_id, vendor_id, period in Report.objects.values_list(
        "upload_id", "vendor_id", "period"
    ).iterator(chunk_size=5000):
        vendors[upload_id].add(vendor_id)
        periods[upload_id].add(period)
    for upload in ReportUpload.objects.filter(pk__in=list(vendors)).iterator(chunk_size=1000):
        found_vendors, found_periods = vendors[upload.pk], periods[upload.pk]
        upload.vendor_id = next(iter(found_vendors)) if len(found_vendors) == 1 else None
        upload.multi_vendor = upload.vendor_id is None
        upload.period = next(iter(found_periods)) if len(found_periods) == 1 else ""
        upload.save(update_fields=["vendor", "multi_vendor", "period"])


class Migration(migrations.Migration):
    dependencies = [("vendors", "0011_scope_upload_scope")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
