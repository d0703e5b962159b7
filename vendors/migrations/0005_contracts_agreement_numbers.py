# Number the agreements of contracts stored before ``agreement`` existed.
#
# Versions used to count per vendor, whether a row amended another or began a new agreement, so
# every row came in as agreement 1. An agreement is a chain of amendments: each first version
# (``amends`` empty) starts one, numbered by start date per vendor, and its amendments share it.
# Versions are kept as they were: issued scorecards quote them.

from django.db import migrations


def number_agreements(apps, schema_editor):
    Contract = apps.get_model("vendors", "Contract")
    rows = list(Contract.objects.order_by("vendor_id", "start_date", "pk"))
    by_pk = {row.pk: row for row in rows}
    next_number: dict[int, int] = {}
    numbers: dict[int, int] = {}
    for row in rows:
        if row.amends_id is None:
            next_number[row.vendor_id] = next_number.get(row.vendor_id, 0) + 1
            numbers[row.pk] = next_number[row.vendor_id]
    for row in rows:
        first = row
        while first.amends_id is not None:
            first = by_pk[first.amends_id]
        if row.agreement != numbers[first.pk]:
            row.agreement = numbers[first.pk]
            row.save(update_fields=["agreement"])


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0004_contracts_agreement"),
    ]

    operations = [
        migrations.RunPython(number_agreements, migrations.RunPython.noop),
    ]
