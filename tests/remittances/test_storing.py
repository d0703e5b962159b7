"""Storing 835 files: exact rows, one transaction per file, the same file once, payee mappings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from remittances.models import (
    ClaimAdjustment,
    ClaimPayment,
    PayeeMapping,
    RemittanceFile,
    ServiceLine,
)
from remittances.services.imports import UnmappedPayees, remittance_import
from remittances.services.payees import payee_mapping_create, payee_mapping_update
from remittances.x12 import RemittanceRefused
from tests.factories import VendorFactory
from tests.remittances.helpers import data, practice
from vendors.models import AuditEvent, PendingRescore

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rescore_task(settings: Any) -> None:
    settings.RESCORE_TASK = ""


def _nothing_stored() -> None:
    assert RemittanceFile.objects.count() == 0
    assert ClaimPayment.objects.count() == 0
    assert ServiceLine.objects.count() == 0
    assert ClaimAdjustment.objects.count() == 0


def test_paid_file_is_stored_field_by_field() -> None:
    p = practice()
    result = remittance_import(
        organization=p.organization, data=data("paid.835"), file_name="p.835"
    )
    assert result.created is True
    assert result.message == "p.835: 2 claim payments in 1 transactions stored."
    stored = result.remittance_file
    assert (stored.file_name, stored.size_bytes, stored.interchange_control_number) == (
        "p.835",
        849,
        "000000101",
    )
    assert (stored.transaction_count, stored.claim_count, stored.payer_name) == (
        1,
        2,
        "ACME HEALTH PLAN",
    )
    assert (stored.payment_date_min, stored.payment_date_max) == (
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 15),
    )
    assert stored.file.read() == data("paid.835")
    paid, part = ClaimPayment.objects.order_by("sequence")
    assert {
        f: getattr(paid, f)
        for f in (
            "organization_id",
            "vendor_id",
            "period",
            "transaction_set_control_number",
            "payer_name",
            "payer_id",
            "payee_id_qualifier",
            "payee_id",
            "patient_control_number",
            "status_code",
            "charge_cents",
            "payment_cents",
            "patient_responsibility_cents",
            "claim_filing_indicator",
            "payer_claim_control_number",
            "payment_date",
            "received_date",
            "service_start",
            "service_end",
            "remark_codes",
            "sequence",
        )
    } == {
        "organization_id": p.organization.pk,
        "vendor_id": p.good.pk,
        "period": "2026-01",
        "transaction_set_control_number": "0001",
        "payer_name": "ACME HEALTH PLAN",
        "payer_id": "ACME01",
        "payee_id_qualifier": "XX",
        "payee_id": "1234567893",
        "patient_control_number": "PCN-PAID",
        "status_code": "1",
        "charge_cents": 20000,
        "payment_cents": 15000,
        "patient_responsibility_cents": 0,
        "claim_filing_indicator": "12",
        "payer_claim_control_number": "PCC0001",
        "payment_date": dt.date(2026, 1, 15),
        "received_date": dt.date(2026, 1, 5),
        "service_start": dt.date(2026, 1, 2),
        "service_end": dt.date(2026, 1, 2),
        "remark_codes": [],
        "sequence": 1,
    }
    assert (part.sequence, part.patient_responsibility_cents) == (2, 4000)
    [line] = part.lines.all()
    assert (
        line.line_number,
        line.procedure_code,
        line.charge_cents,
        line.payment_cents,
        line.units,
        line.service_date,
    ) == (1, "HC:99214:25", 30000, 18000, Decimal("2.000"), dt.date(2026, 1, 3))
    assert list(
        part.adjustments.order_by("id").values_list("line_id", "group_code", "carc", "amount_cents")
    ) == [(line.pk, "CO", "45", 8000), (line.pk, "PR", "1", 3000), (line.pk, "PR", "2", 1000)]


def test_claim_level_adjustments_and_remarks_are_stored() -> None:
    p = practice()
    remittance_import(organization=p.organization, data=data("denied.835"), file_name="d.835")
    deny = ClaimPayment.objects.get(patient_control_number="PCN-DENY")
    assert (deny.status_code, deny.payment_cents, deny.remark_codes) == (
        "4",
        0,
        ["MA130", "N286"],
    )
    assert list(deny.adjustments.values_list("line_id", "group_code", "carc", "amount_cents")) == [
        (None, "CO", "16", 12000)
    ]
    line = ServiceLine.objects.get(claim__patient_control_number="PCN-LINE", line_number=2)
    assert (line.remark_codes, line.payment_cents) == (["N115"], 0)
    assert list(line.adjustments.values_list("carc", "amount_cents")) == [("50", 15000)]


def test_periods_per_transaction_and_vendors_per_payee() -> None:
    p = practice()
    result = remittance_import(
        organization=p.organization, data=data("multi.835"), file_name="m.835"
    )
    assert list(
        ClaimPayment.objects.order_by("sequence").values_list(
            "patient_control_number", "vendor_id", "period", "transaction_set_control_number"
        )
    ) == [("PCN-M1", p.good.pk, "2026-01", "0001"), ("PCN-M2", p.fast.pk, "2026-03", "0002")]
    stored = result.remittance_file
    assert (stored.payment_date_min, stored.payment_date_max) == (
        dt.date(2026, 1, 28),
        dt.date(2026, 3, 2),
    )
    assert sorted(
        PendingRescore.objects.values_list("vendor_id", "from_period", "reason")
    ) == sorted(
        [
            (p.good.pk, "2026-01", "remittance received"),
            (p.fast.pk, "2026-03", "remittance received"),
        ]
    )
    [event] = AuditEvent.objects.filter(record_type="remittance_file")
    assert (event.action, event.record_id, event.changes["claim_count"]) == (
        "created",
        str(stored.pk),
        [None, 2],
    )


def test_the_same_file_twice_changes_nothing() -> None:
    p = practice()
    first = remittance_import(organization=p.organization, data=data("paid.835"), file_name="a.835")
    again = remittance_import(organization=p.organization, data=data("paid.835"), file_name="b.835")
    assert again.created is False
    assert again.remittance_file.pk == first.remittance_file.pk
    assert again.message.startswith("a.835 was received already on ")
    assert again.message.endswith(" UTC (the same file): nothing changed.")
    assert (RemittanceFile.objects.count(), ClaimPayment.objects.count()) == (1, 2)
    assert AuditEvent.objects.filter(record_type="remittance_file").count() == 1
    # another organization receives the same bytes as its own
    other = practice()
    assert remittance_import(
        organization=other.organization, data=data("paid.835"), file_name="a.835"
    ).created
    assert ClaimPayment.objects.filter(organization=other.organization).count() == 2


def test_an_unmapped_payee_refuses_the_file_naming_it() -> None:
    p = practice(map_fast=False)
    with pytest.raises(UnmappedPayees) as caught:
        remittance_import(organization=p.organization, data=data("multi.835"), file_name="m.835")
    assert [str(e) for e in caught.value.errors] == [
        "Payee FAST CODERS INC (FI 123456789) is not mapped to a vendor: map it (payee "
        "mappings, or the upload page), then send the file again."
    ]
    assert [(x.name, x.id_qualifier, x.payee_id) for x in caught.value.payees] == [
        ("FAST CODERS INC", "FI", "123456789")
    ]
    _nothing_stored()


def test_vendor_given_maps_the_unmapped_payees() -> None:
    p = practice(map_fast=False)
    remittance_import(
        organization=p.organization, data=data("multi.835"), file_name="m.835", vendor=p.fast
    )
    mapping = PayeeMapping.objects.get(id_qualifier="FI", payee_id="123456789")
    assert (mapping.vendor_id, mapping.payee_name) == (p.fast.pk, "FAST CODERS INC")
    # the mapped payee keeps its own vendor
    assert list(ClaimPayment.objects.order_by("sequence").values_list("vendor_id", flat=True)) == [
        p.good.pk,
        p.fast.pk,
    ]


def test_a_refused_file_stores_nothing() -> None:
    p = practice()
    raw = data("multi.835").replace(b"SE*16*0002", b"SE*15*0002")
    with pytest.raises(RemittanceRefused) as caught:
        remittance_import(organization=p.organization, data=raw, file_name="m.835")
    assert [str(e) for e in caught.value.errors] == [
        "Segment 34 (SE): SE count of 15 for SE02=0002 is wrong. I count 16 [pyx12 code 4]"
    ]
    _nothing_stored()
    assert PendingRescore.objects.count() == 0


def test_a_vendor_of_another_organization_is_refused() -> None:
    p, other = practice(map_fast=False), practice()
    with pytest.raises(RemittanceRefused, match=r"^The vendor belongs to another organization\.$"):
        remittance_import(
            organization=p.organization, data=data("multi.835"), file_name="m", vendor=other.fast
        )
    _nothing_stored()


def test_payee_mapping_service_validates_and_audits() -> None:
    p = practice(map_fast=False)
    with pytest.raises(ValidationError) as caught:
        payee_mapping_create(
            organization=p.organization, id_qualifier="X", payee_id="", vendor=p.fast
        )
    assert caught.value.message_dict == {
        "id_qualifier": ['Give the N1*PE 03 qualifier: two letters or digits ("XX", "FI").'],
        "payee_id": ["Give the payee's id (N1*PE 04), 1 to 80 characters."],
    }
    with pytest.raises(ValidationError) as caught:
        payee_mapping_create(
            organization=p.organization, id_qualifier="xx", payee_id="1234567893", vendor=p.fast
        )
    assert caught.value.message_dict == {
        "payee_id": [
            "Payee XX 1234567893 is mapped already (to Good Billing); change that mapping instead."
        ]
    }
    foreign = VendorFactory()
    with pytest.raises(ValidationError) as caught:
        payee_mapping_create(
            organization=p.organization, id_qualifier="FI", payee_id="1", vendor=foreign
        )
    assert caught.value.message_dict == {"vendor": ["The vendor belongs to another organization."]}
    mapping = PayeeMapping.objects.get(payee_id="1234567893")
    payee_mapping_update(mapping=mapping, vendor=p.fast)
    mapping.refresh_from_db()
    assert mapping.vendor_id == p.fast.pk
    event = AuditEvent.objects.filter(record_type="payee_mapping", action="updated").get()
    assert event.changes == {"vendor": [p.good.pk, p.fast.pk]}
