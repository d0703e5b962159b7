"""The interfaces of remittances: the API (upload, lists and filters, payee mappings), the
``import_remittance`` command and the upload page (835 files, one-click payee mapping)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from remittances.models import ClaimPayment, PayeeMapping, RemittanceFile
from remittances.services.imports import remittance_import
from tests.conftest import client_for
from tests.factories import member
from tests.remittances.helpers import FILES, data, practice
from vendors.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rescore_task(settings: Any) -> None:
    settings.RESCORE_TASK = ""


def _upload(client: Any, *names: str, **extra: Any) -> Any:
    files = [SimpleUploadedFile(n, data(n)) for n in names]
    return client.post("/api/v1/remittances/", {"files": files, **extra}, format="multipart")


# --- API --------------------------------------------------------------------------------------
def test_api_upload_of_many_files_each_whole() -> None:
    p = practice(map_fast=False)
    client = client_for(member(p.organization, Role.FINANCE))
    response = _upload(client, "paid.835", "multi.835")
    assert response.status_code == 400  # one file refused; the other is stored
    stored, refused = response.json()["files"]
    assert (stored["file_name"], stored["status"], stored["message"]) == (
        "paid.835",
        "stored",
        "paid.835: 2 claim payments in 1 transactions stored.",
    )
    assert stored["remittance_file"]["claim_count"] == 2
    assert refused == {
        "file_name": "multi.835",
        "status": "refused",
        "message": "multi.835 was refused; nothing of it was stored.",
        "remittance_file": None,
        "errors": [
            {
                "segment": None,
                "segment_id": "",
                "message": "Payee FAST CODERS INC (FI 123456789) is not mapped to a vendor: map "
                "it (payee mappings, or the upload page), then send the file again.",
            }
        ],
        "error_count": 1,
        "unmapped_payees": [
            {"name": "FAST CODERS INC", "id_qualifier": "FI", "payee_id": "123456789"}
        ],
    }
    assert list(RemittanceFile.objects.values_list("file_name", flat=True)) == ["paid.835"]
    again = _upload(client, "paid.835")
    assert again.status_code == 200
    assert again.json()["files"][0]["status"] == "duplicate"


def test_api_refusal_names_segment() -> None:
    p = practice()
    client = client_for(member(p.organization, Role.ADMIN))
    raw = data("paid.835").replace(b"SE*25*0001", b"SE*24*0001")
    response = client.post(
        "/api/v1/remittances/",
        {"files": [SimpleUploadedFile("bad.835", raw)]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["files"][0]["errors"] == [
        {
            "segment": 27,
            "segment_id": "SE",
            "message": "SE count of 24 for SE02=0001 is wrong. I count 25 [pyx12 code 4]",
        }
    ]
    assert RemittanceFile.objects.count() == 0
    missing = client.post("/api/v1/remittances/", {}, format="multipart")
    assert (missing.status_code, missing.json()) == (
        400,
        {"files": [], "errors": {"files": ["This field is required."]}},
    )
    not_a_file = client.post("/api/v1/remittances/", {"files": "{}"}, format="multipart")
    assert (not_a_file.status_code, not_a_file.json()) == (
        400,
        {
            "files": [],
            "errors": {
                "files": [
                    "item 1: The submitted data was not a file. Check the encoding type on the "
                    "form."
                ]
            },
        },
    )


def test_claim_payment_filters() -> None:
    p = practice()
    for name in ("paid.835", "denied.835", "secondary.835", "multi.835"):
        remittance_import(organization=p.organization, data=data(name), file_name=name)
    client = client_for(member(p.organization, Role.VIEWER))

    def pcns(query: str) -> list[str]:
        response = client.get(f"/api/v1/claim-payments/?{query}")
        assert response.status_code == 200, response.json()
        return sorted(c["patient_control_number"] for c in response.json()["results"])

    assert pcns("status=4") == ["PCN-DENY"]
    assert pcns("carc=50") == ["PCN-LINE"]  # a line-level adjustment
    assert pcns("carc=45") == ["PCN-M2", "PCN-PAID", "PCN-PART"]
    assert pcns("payer=second%20mutual") == ["PCN-PART"]
    assert pcns("payer=SM777") == ["PCN-PART"]
    assert pcns("period=2026-03") == ["PCN-M2"]
    assert pcns(f"vendor={p.fast.slug}") == ["PCN-M2"]
    assert pcns(f"vendor={p.fast.pk}") == ["PCN-M2"]
    assert pcns("vendor=nobody") == []
    assert client.get("/api/v1/claim-payments/?status=9").status_code == 400
    assert client.get("/api/v1/claim-payments/?period=2026-13").status_code == 400
    assert client.get("/api/v1/claim-payments/?limit=501").status_code == 400
    page = client.get("/api/v1/claim-payments/?limit=2&offset=1").json()
    assert (page["count"], len(page["results"])) == (7, 2)
    deny = ClaimPayment.objects.get(patient_control_number="PCN-DENY")
    detail = client.get(f"/api/v1/claim-payments/{deny.pk}/").json()
    assert {k: detail[k] for k in ("status_code", "charge_cents", "payment_cents", "period")} == {
        "status_code": "4",
        "charge_cents": 12000,
        "payment_cents": 0,
        "period": "2026-01",
    }
    assert detail["adjustments"] == [
        {"group_code": "CO", "carc": "16", "amount_cents": 12000, "quantity": None}
    ]
    assert (detail["remark_codes"], detail["lines"]) == (["MA130", "N286"], [])
    line_claim = ClaimPayment.objects.get(patient_control_number="PCN-LINE")
    lines = client.get(f"/api/v1/claim-payments/{line_claim.pk}/").json()["lines"]
    assert lines[1] == {
        "line_number": 2,
        "procedure_code": "HC:93000",
        "charge_cents": 15000,
        "payment_cents": 0,
        "units": "1.000",
        "service_date": "2026-01-08",
        "remark_codes": ["N115"],
        "adjustments": [
            {"group_code": "CO", "carc": "50", "amount_cents": 15000, "quantity": None}
        ],
    }
    # another organization's claim does not exist for this user
    other = practice()
    remittance_import(organization=other.organization, data=data("paid.835"), file_name="x")
    theirs = ClaimPayment.objects.filter(organization=other.organization).first()
    assert client.get(f"/api/v1/claim-payments/{theirs.pk}/").status_code == 404


def test_payee_mappings_api() -> None:
    p = practice(map_fast=False)
    admin = client_for(member(p.organization, Role.ADMIN))
    created = admin.post(
        "/api/v1/payee-mappings/",
        {"id_qualifier": "FI", "payee_id": "123456789", "vendor": p.fast.pk},
        format="json",
    )
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("id_qualifier", "payee_id", "vendor")} == {
        "id_qualifier": "FI",
        "payee_id": "123456789",
        "vendor": p.fast.pk,
    }
    clash = admin.post(
        "/api/v1/payee-mappings/",
        {"id_qualifier": "FI", "payee_id": "123456789", "vendor": p.good.pk},
        format="json",
    )
    assert (clash.status_code, clash.json()) == (
        400,
        {
            "payee_id": [
                "Payee FI 123456789 is mapped already (to Fast Coders); change that mapping "
                "instead."
            ]
        },
    )
    pk = created.json()["id"]
    moved = admin.patch(f"/api/v1/payee-mappings/{pk}/", {"vendor": p.good.pk}, format="json")
    assert (moved.status_code, PayeeMapping.objects.get(pk=pk).vendor_id) == (200, p.good.pk)


# --- Command ----------------------------------------------------------------------------------
def test_command_imports_many_files_with_a_progress_bar() -> None:
    p = practice(map_fast=False)
    out = StringIO()
    call_command(
        "import_remittance",
        str(FILES / "paid.835"),
        str(FILES / "multi.835"),
        "--vendor",
        p.fast.slug,
        stdout=out,
    )
    assert out.getvalue().splitlines() == [
        "[###############...............] 1/2  50 %",
        "[##############################] 2/2 100 %",
        "paid.835: 2 claim payments in 1 transactions stored.",
        "multi.835: 2 claim payments in 2 transactions stored.",
    ]
    assert PayeeMapping.objects.get(payee_id="123456789").vendor_id == p.fast.pk


def test_command_lists_every_refusal_and_exits_non_zero(tmp_path: Any) -> None:
    p = practice()
    bad = tmp_path / "bad.835"
    bad.write_bytes(data("paid.835").replace(b"SE*25*0001", b"SE*24*0001"))
    junk = tmp_path / "junk.835"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    err = StringIO()
    with pytest.raises(CommandError, match=r"^2 of 3 files refused; nothing of them was stored\.$"):
        call_command(
            "import_remittance",
            str(bad),
            str(FILES / "denied.835"),
            str(junk),
            "--organization",
            p.organization.slug,
            stdout=StringIO(),
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        f"{bad}: refused:",
        "  Segment 27 (SE): SE count of 24 for SE02=0001 is wrong. I count 25 [pyx12 code 4]",
        f"{junk}: refused:",
        "  This is not an X12 file: an X12 835 remittance starts with an ISA segment (the file "
        "starts with b'\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\x00').",
    ]
    assert list(RemittanceFile.objects.values_list("file_name", flat=True)) == ["denied.835"]


# --- Upload page ------------------------------------------------------------------------------
def test_upload_page_maps_an_unmapped_payee_then_takes_the_file() -> None:
    p = practice(map_fast=False)
    browser = Client()
    browser.force_login(member(p.organization, Role.ADMIN))
    page = browser.post("/upload/", {"file": SimpleUploadedFile("multi.835", data("multi.835"))})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Payee FAST CODERS INC (FI 123456789) is not mapped to a vendor" in html
    assert (
        'name="map_payee"' in html and f'<option value="{p.fast.pk}">Fast Coders</option>' in html
    )
    assert RemittanceFile.objects.count() == 0
    mapped = browser.post(
        "/upload/",
        {
            "map_payee": "1",
            "id_qualifier": "FI",
            "payee_id": "123456789",
            "payee_name": "FAST CODERS INC",
            "vendor": str(p.fast.pk),
        },
        follow=True,
    )
    assert (
        "Payee FAST CODERS INC (FI 123456789) is mapped to Fast Coders. Send the remittance file "
        "again to store it." in mapped.content.decode()
    )
    stored = browser.post(
        "/upload/",
        {
            "file": [
                SimpleUploadedFile("multi.835", data("multi.835")),
                SimpleUploadedFile("paid.edi", data("paid.835")),
            ]
        },
    )
    assert stored.status_code == 200
    assert "multi.835: 2 claim payments in 2 transactions stored." in stored.content.decode()
    assert "paid.edi: 2 claim payments in 1 transactions stored." in stored.content.decode()


def test_upload_page_mapping_needs_manage_and_a_refusal_is_shown() -> None:
    p = practice(map_fast=False)
    browser = Client()
    browser.force_login(member(p.organization, Role.FINANCE))
    page = browser.post("/upload/", {"file": SimpleUploadedFile("multi.835", data("multi.835"))})
    assert page.status_code == 400
    assert (
        "Ask an administrator to map payee FAST CODERS INC (FI 123456789)" in page.content.decode()
    )
    assert 'name="map_payee"' not in page.content.decode()
    refused = browser.post(
        "/upload/",
        {"map_payee": "1", "id_qualifier": "FI", "payee_id": "1", "vendor": str(p.fast.pk)},
    )
    assert refused.status_code == 403
    assert PayeeMapping.objects.filter(payee_id="1").count() == 0
    junk = browser.post("/upload/", {"file": SimpleUploadedFile("x.835", b"hello")})
    assert junk.status_code == 400
    assert "This is not an X12 file" in junk.content.decode()
