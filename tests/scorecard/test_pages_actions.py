"""Pages that act: upload preview and confirm, column aliases, remediation moves, PDF jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from scorecard.models import Job, RemediationItem
from tests.factories import (
    ContractFactory,
    VendorFactory,
    make_remediation,
    make_scorecard,
    member,
)
from vendors.models import ColumnAlias, Report, Role

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parent.parent / "vendors" / "samples"


def signed_in(user: Any) -> Client:
    """A test client with a session for ``user``."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def vendor(org: Any) -> Any:
    """Northwind Billing of organization A, under contract."""
    v = VendorFactory(organization=org, name="Northwind Billing", slug="northwind-billing")
    ContractFactory(vendor=v, organization=org)
    return v


def _upload(client: Client, vendor: Any, name: str) -> Any:
    with (SAMPLES / name).open("rb") as handle:
        return client.post(reverse("upload"), {"vendor": vendor.pk, "file": handle})


# --- Upload --------------------------------------------------------------------------------
def test_preview_shows_values_and_stores_nothing_until_confirmed(org: Any, vendor: Any) -> None:
    client = signed_in(member(org, Role.COMPLIANCE))
    response = _upload(client, vendor, "northwind-billing_2026-09_wide.csv")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Northwind Billing · 2026-09" in html
    assert "<code>first_pass_acceptance_rate</code>" in html
    assert "93.83" in html  # the stated value
    assert "Store this report" in html
    assert Report.objects.count() == 0
    token = response.context["token"]
    stored = client.post(reverse("upload-confirm"), {"token": token})
    assert stored.status_code == 302
    assert stored["Location"] == reverse("vendor-detail", args=[vendor.pk])
    report = Report.objects.get()
    assert (report.vendor, report.period, report.version) == (vendor, "2026-09", 1)
    # The temporary copy is gone and the token cannot be used twice.
    again = client.post(reverse("upload-confirm"), {"token": token})
    assert again.status_code == 302 and again["Location"] == reverse("upload")
    assert Report.objects.count() == 1


def test_preview_lists_every_error_by_row_and_column(org: Any, vendor: Any) -> None:
    client = signed_in(member(org, Role.ADMIN))
    response = _upload(client, vendor, "bad_report.csv")
    html = response.content.decode()
    assert response.status_code == 400
    assert "The file cannot be stored" in html
    errors = response.context["refused"].errors
    assert len(errors) >= 4
    assert (2, "first_pass_acceptance_rate") in {(e.row, e.column) for e in errors}
    assert (3, "period") in {(e.row, e.column) for e in errors}
    for e in errors:
        assert escape(e.message) in html
    assert "Store this report" not in html
    assert Report.objects.count() == 0


def test_confirm_with_a_stolen_token_of_another_session_fails(org: Any, vendor: Any) -> None:
    first = signed_in(member(org, Role.ADMIN))
    token = _upload(first, vendor, "northwind-billing_2026-09_wide.csv").context["token"]
    second = signed_in(member(org, Role.ADMIN))
    response = second.post(reverse("upload-confirm"), {"token": token})
    assert response["Location"] == reverse("upload")
    assert Report.objects.count() == 0


def test_upload_refuses_another_organizations_vendor(org: Any, other_org: Any, vendor: Any) -> None:
    foreign = VendorFactory(organization=other_org)
    client = signed_in(member(org, Role.ADMIN))
    response = _upload(client, foreign, "northwind-billing_2026-09_wide.csv")
    assert response.status_code == 400  # not a choice of the form
    assert Report.objects.count() == 0


def test_viewer_is_refused_the_upload_page(org: Any, vendor: Any) -> None:
    client = signed_in(member(org, Role.VIEWER))
    assert client.get(reverse("upload")).status_code == 403
    assert _upload(client, vendor, "northwind-billing_2026-09_wide.csv").status_code == 403
    assert client.post(reverse("upload-confirm"), {"token": "x"}).status_code == 403


# --- Column aliases ------------------------------------------------------------------------
def test_admin_adds_changes_and_removes_an_alias(org: Any, vendor: Any) -> None:
    client = signed_in(member(org, Role.ADMIN))
    url = reverse("aliases", args=[vendor.pk])
    response = client.post(
        url, {"header": "FPAR %", "target": "first_pass_acceptance_rate", "scale": "fraction"}
    )
    assert response.status_code == 302
    alias = ColumnAlias.objects.get(vendor=vendor)
    assert (alias.header, alias.target, alias.scale) == (
        "FPAR %",
        "first_pass_acceptance_rate",
        "fraction",
    )
    client.post(
        url,
        {"alias": alias.pk, "header": "FPAR", "target": "denial_rate", "scale": "percent"},
    )
    alias.refresh_from_db()
    assert (alias.header, alias.target) == ("FPAR", "denial_rate")
    bad = client.post(url, {"header": "X", "target": "no_such_kpi", "scale": "percent"})
    assert bad.status_code == 400
    assert "neither a KPI code of the catalog nor a raw count" in bad.content.decode()
    client.post(url, {"delete": alias.pk})
    assert not ColumnAlias.objects.exists()


def test_alias_page_is_for_admins_of_the_vendor(org: Any, other_org: Any, vendor: Any) -> None:
    url = reverse("aliases", args=[vendor.pk])
    assert signed_in(member(org, Role.COMPLIANCE)).get(url).status_code == 403
    assert signed_in(member(other_org, Role.ADMIN)).get(url).status_code == 404


# --- Remediation ---------------------------------------------------------------------------
def test_compliance_moves_an_item_with_a_reason_and_sees_the_history(org: Any, vendor: Any) -> None:
    item = make_remediation(vendor.contracts.get(), "denial_rate")
    user = member(org, Role.COMPLIANCE, user__username="carol")
    client = signed_in(user)
    url = reverse("remediation-transition", args=[item.pk])
    refused = client.post(url, {"to_status": "action_plan_received", "reason": "  "}, follow=True)
    assert "Every transition needs a reason." in refused.content.decode()
    assert RemediationItem.objects.get(pk=item.pk).status == "open"
    moved = client.post(
        url, {"to_status": "action_plan_received", "reason": "Plan received by email"}, follow=True
    )
    html = moved.content.decode()
    assert "moved to action plan received" in html
    item.refresh_from_db()
    assert item.status == "action_plan_received"
    event = item.events.order_by("-at", "-id").first()
    assert (event.actor, event.reason) == (user, "Plan received by email")
    assert "Plan received by email" in html and "carol" in html
    closing = client.post(url, {"to_status": "closed", "reason": "done"}, follow=True)
    assert "An item cannot move from action_plan_received to closed" in closing.content.decode()


def test_admin_waives_with_a_reason(org: Any, vendor: Any) -> None:
    item = make_remediation(vendor.contracts.get(), "days_in_ar")
    client = signed_in(member(org, Role.ADMIN))
    client.post(
        reverse("remediation-transition", args=[item.pk]),
        {"to_status": "waived", "reason": "Payer outage, agreed in QBR"},
    )
    item.refresh_from_db()
    assert item.status == "waived"


# --- PDF jobs ------------------------------------------------------------------------------
def test_pdf_button_queues_a_job_polls_and_downloads(
    org: Any, vendor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    card = make_scorecard(
        vendor.contracts.get(),
        "2026-09",
        {"first_pass_acceptance_rate": ("96.1", "meets"), "denial_rate": ("13", "breach")},
        snapshot={"payments": "500000", "claims_submitted": "4000"},
    )
    client = signed_in(member(org, Role.VIEWER))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("scorecard-pdf", args=[card.pk]), HTTP_HX_REQUEST="true")
    job = Job.objects.get(scorecard=card)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="{reverse("job-status", args=[job.pk])}"' in html
    assert "<progress" in html
    assert client.get(reverse("job-download", args=[job.pk])).status_code == 404  # not yet
    for callback in callbacks:
        callback()  # the render runs (eagerly) once the request's transaction commits
    job.refresh_from_db()
    assert job.status == "done"
    status = client.get(reverse("job-status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "Download PDF" in status.content.decode()
    assert "hx-get" not in status.content.decode()  # polling stops
    download = client.get(reverse("job-download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        'attachment; filename="scorecard-northwind-billing-2026-09.pdf"'
    )
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_jobs_of_another_organization_are_404(org: Any, other_org: Any, vendor: Any) -> None:
    card = make_scorecard(vendor.contracts.get(), "2026-09", {})
    job = Job.objects.create(organization=org, kind="scorecard_pdf", key="k1", scorecard=card)
    stranger = signed_in(member(other_org, Role.ADMIN))
    assert stranger.get(reverse("job-status", args=[job.pk])).status_code == 404
    assert stranger.get(reverse("job-download", args=[job.pk])).status_code == 404
    assert stranger.post(reverse("scorecard-pdf", args=[card.pk])).status_code == 404
