"""Vendor users submit reports through the same ingestion, for their own vendor only; the
practice sees who submitted what and when; a report after its due day is late as before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from scorecard.models import Scorecard
from scorecard.services.evaluation import evaluate
from tests.conftest import client_for
from tests.factories import ContractFactory, member
from vendors.models import Report, ReportUpload, Role

pytestmark = pytest.mark.django_db

ROW = "period,days_in_ar,payments,claims_submitted\n2026-01,38,100000,1000\n"


@pytest.fixture
def parties(org: Any, settings: Any) -> dict[str, Any]:
    settings.RESCORE_TASK = ""
    acme = ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 31),
    ).vendor
    bolt = ContractFactory(
        vendor__organization=org,
        vendor__slug="bolt",
        vendor__name="Bolt",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 31),
    ).vendor
    return {
        "acme": acme,
        "bolt": bolt,
        "pat": member(org, Role.VENDOR, vendor=acme, user__username="pat"),
        "admin": member(org, Role.ADMIN, user__username="alice"),
    }


def _file(text: str = ROW, name: str = "acme.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


def test_vendor_user_submits_for_its_vendor_and_the_practice_sees_who(
    parties: dict[str, Any],
) -> None:
    pat = client_for(parties["pat"])
    with time_machine.travel("2026-02-05 10:30Z", tick=False):
        stored = pat.post(
            "/api/v1/reports/",
            {"vendor": parties["acme"].pk, "file": _file()},
            format="multipart",
        )
    assert stored.status_code == 201, stored.json()
    [made] = stored.json()["reports"]
    assert made["submitted_by"] == {"username": "pat", "role": "vendor"}
    seen = client_for(parties["admin"]).get(f"/api/v1/reports/{made['id']}/").json()
    assert (seen["submitted_by"], seen["received_at"]) == (
        {"username": "pat", "role": "vendor"},
        "2026-02-05T10:30:00Z",
    )
    page = Client()
    page.force_login(parties["admin"])
    html = page.get(reverse("vendor-detail", args=[parties["acme"].pk])).content.decode()
    assert "<td>2026-02-05 10:30</td>\n      <td>pat (vendor)</td>" in html


def test_another_vendor_or_a_multi_vendor_file_is_refused(parties: dict[str, Any]) -> None:
    pat = client_for(parties["pat"])
    other = pat.post(
        "/api/v1/reports/", {"vendor": parties["bolt"].pk, "file": _file()}, format="multipart"
    )
    assert other.status_code == 400
    assert other.json()["errors"] == [
        {"row": None, "column": "vendor", "message": f"No vendor with id {parties['bolt'].pk}."}
    ]
    several = "vendor,period,days_in_ar,payments,claims_submitted\n" + (
        "acme,2026-01,38,100000,1000\nbolt,2026-01,38,100000,1000\n"
    )
    multi = pat.post(
        "/api/v1/reports/",
        {"multi_vendor": "true", "file": _file(several, "both.csv")},
        format="multipart",
    )
    assert multi.status_code == 400
    assert multi.json()["errors"] == [
        {
            "row": None,
            "column": "multi_vendor",
            "message": "A vendor user submits reports for its own vendor only: a file covering "
            "several vendors is refused; upload it for your vendor.",
        }
    ]
    slug = pat.post(
        "/api/v1/reports/",
        {"vendor": parties["acme"].pk, "file": _file(several, "both.csv")},
        format="multipart",
    )
    assert slug.status_code == 400
    assert [(e["row"], e["column"]) for e in slug.json()["errors"]] == [(3, "vendor")]
    assert "bolt" in slug.json()["errors"][0]["message"]
    assert Report.objects.count() == 0 and ReportUpload.objects.count() == 0
    # the same refusal on the upload page, before anything is kept
    page = Client()
    page.force_login(parties["pat"])
    answer = page.post(
        reverse("upload"),
        {"multi_vendor": "on", "file": _file(several, "both.csv")},
    )
    assert answer.status_code == 400
    assert "a file covering several vendors is refused" in answer.content.decode()


def test_a_vendor_users_report_after_its_due_day_is_late(parties: dict[str, Any]) -> None:
    # The 2026-01 report is due on business day 10 of February 2026: Friday the 13th.
    page = Client()
    page.force_login(parties["pat"])
    with time_machine.travel("2026-02-16 09:00Z", tick=False):
        preview = page.post(reverse("upload"), {"vendor": parties["acme"].pk, "file": _file()})
        assert preview.status_code == 200
        token = preview.context["token"]
        done = page.post(reverse("upload-confirm"), {"token": token})
    assert done.status_code == 302
    report = Report.objects.get(vendor=parties["acme"])
    assert report.upload.uploaded_by == parties["pat"]
    evaluate(today=dt.date(2026, 3, 20))
    card = Scorecard.objects.get(vendor=parties["acme"], period="2026-01")
    assert (card.report_late, card.report_due_date) == (True, dt.date(2026, 2, 13))
