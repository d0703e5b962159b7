"""The dispute life cycle through the API: dispute a KPI, answer it, accept it with a corrected
report stored by the existing ingestion -> a new revision, linked; refused steps; files."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from disputes.models import Acknowledgement, Dispute, DisputeAttachment, DisputeEvent
from scorecard.models import Notification, RemediationItem, Scorecard
from tests.conftest import client_for
from vendors.models import AuditEvent

pytestmark = pytest.mark.django_db

CORRECTED = "period,days_in_ar,payments,claims_submitted\n2026-01,38,100000,1000\n"


def _open(client: Any, card: Scorecard, **extra: Any) -> Any:
    body = {
        "scorecard": card.pk,
        "reason": "Days in A/R counted the December backlog twice.",
        "items": [
            {"kpi": "days_in_ar", "disputed_value": "38", "reason": "Backlog counted twice."}
        ],
        **extra,
    }
    return client.post("/api/v1/disputes/", body, format="json")


def test_the_whole_life_cycle(dworld: Any, django_capture_on_commit_callbacks: Any) -> None:
    vendor_side = client_for(dworld.vendor)
    practice = client_for(dworld.compliance)
    with django_capture_on_commit_callbacks(execute=True):
        opened = _open(vendor_side, dworld.card)
    assert opened.status_code == 201, opened.json()
    body = opened.json()
    pk = body["id"]
    assert (body["status"], body["revision"], body["period"], body["vendor"]) == (
        "open",
        1,
        "2026-01",
        "acme",
    )
    assert body["items"] == [
        {
            "kpi": "days_in_ar",
            "kpi_name": "Days in accounts receivable",
            "unit": "days",
            "scorecard_value": "60",
            "disputed_value": "38",
            "reason": "Backlog counted twice.",
        }
    ]
    assert Notification.objects.get(key=f"dispute:{pk}:open").recipients == [
        "ann@a.test",
        "cora@example.test",
    ]

    # a file for the dispute, stored and downloaded byte for byte
    data = b"%PDF-1.4 aging export\n"
    uploaded = vendor_side.post(
        f"/api/v1/disputes/{pk}/attachments/",
        {"file": SimpleUploadedFile("aging.pdf", data)},
        format="multipart",
    )
    assert uploaded.status_code == 201
    assert uploaded.json()["sha256"] == hashlib.sha256(data).hexdigest()
    att = uploaded.json()["id"]
    got = practice.get(f"/api/v1/disputes/{pk}/attachments/{att}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == data

    answered = practice.post(
        f"/api/v1/disputes/{pk}/answer/", {"reason": "We will check the aging."}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    # accepting before any correction exists is refused, and nothing changes
    early = practice.post(
        f"/api/v1/disputes/{pk}/accept/",
        {"reason": "Agreed", "resolution": "corrected_report"},
        format="json",
    )
    assert early.status_code == 400
    assert early.json() == {
        "resolution": [
            "No newer revision of 2026-01 than revision 1 exists, and the stored report and "
            "terms produce none: ingest the corrected report or amend the terms first."
        ]
    }
    assert Dispute.objects.get(pk=pk).status == "answered"

    # the corrected report goes through the existing ingestion
    stored = vendor_side.post(
        "/api/v1/reports/",
        {
            "vendor": dworld.contract.vendor_id,
            "file": SimpleUploadedFile("acme-2026-01-corrected.csv", CORRECTED.encode()),
        },
        format="multipart",
    )
    assert stored.status_code == 201, stored.json()
    accepted = practice.post(
        f"/api/v1/disputes/{pk}/accept/",
        {"reason": "The corrected aging is right.", "resolution": "corrected_report"},
        format="json",
    )
    assert accepted.status_code == 200, accepted.json()
    new = Scorecard.objects.get(contract=dworld.contract, period="2026-01", is_current=True)
    assert new.revision == 2
    assert new.kpis.get(kpi_code="days_in_ar").value == 38
    done = accepted.json()
    assert (done["status"], done["resolution"], done["resolved_by"]) == (
        "accepted",
        "corrected_report",
        new.pk,
    )
    assert done["resolved_by_revision"] == 2
    assert [
        (e["from_status"], e["to_status"], e["actor_name"], e["reason"]) for e in done["events"]
    ] == [
        (None, "open", "val", "Days in A/R counted the December backlog twice."),
        ("open", "answered", "cora", "We will check the aging."),
        ("answered", "accepted", "cora", "The corrected aging is right."),
    ]
    audit = AuditEvent.objects.filter(record_type="dispute", record_id=str(pk)).order_by("id")
    assert [(a.action, a.changes) for a in audit] == [
        ("created", {"status": [None, "open"]}),
        ("updated", {"attachment": [None, "aging.pdf"]}),
        ("transitioned", {"status": ["open", "answered"]}),
        ("transitioned", {"status": ["answered", "accepted"]}),
    ]
    # a decided dispute takes no further step and no file
    again = practice.post(f"/api/v1/disputes/{pk}/reject/", {"reason": "No"}, format="json")
    assert again.status_code == 400
    assert again.json() == {"status": ["The dispute is already accepted."]}
    late_file = vendor_side.post(
        f"/api/v1/disputes/{pk}/attachments/",
        {"file": SimpleUploadedFile("more.pdf", b"x")},
        format="multipart",
    )
    assert late_file.json() == {"file": ["The dispute is already accepted."]}
    listed = practice.get("/api/v1/disputes/", {"vendor": "acme", "status": "accepted"})
    assert [d["id"] for d in listed.json()["results"]] == [pk]
    assert practice.get("/api/v1/disputes/", {"status": "open"}).json()["results"] == []


def test_refused_openings_and_steps(dworld: Any, settings: Any) -> None:
    vendor_side = client_for(dworld.vendor)
    unknown = _open(vendor_side, dworld.card, items=[{"kpi": "nope", "reason": "x"}])
    assert unknown.status_code == 400
    assert unknown.json()["items"][0].startswith("Item 1: KPI 'nope' is not on this scorecard;")
    twice = _open(
        vendor_side,
        dworld.card,
        items=[{"kpi": "days_in_ar", "reason": "a"}, {"kpi": "days_in_ar", "reason": "b"}],
    )
    assert twice.json() == {"items": ["Item 2: KPI 'days_in_ar' is disputed twice."]}
    assert _open(vendor_side, dworld.card, items=[]).json() == {
        "items": ["Dispute at least one KPI."]
    }
    bad_number = _open(
        vendor_side,
        dworld.card,
        items=[{"kpi": "days_in_ar", "disputed_value": "3,8", "reason": "a"}],
    )
    assert bad_number.status_code == 400 and "disputed_value" in str(bad_number.json())
    # the practice's roles are not the vendor side; another organization's card is unknown
    for practice_user in (dworld.admin, dworld.compliance, dworld.viewer):
        assert _open(client_for(practice_user), dworld.card).status_code == 403
    assert _open(client_for(dworld.stranger), dworld.card).status_code == 404
    assert Dispute.objects.count() == 0

    pk = _open(vendor_side, dworld.card).json()["id"]
    viewer = client_for(dworld.viewer)
    assert viewer.post(f"/api/v1/disputes/{pk}/answer/", {"reason": "x"}).status_code == 403
    practice = client_for(dworld.compliance)
    blank = practice.post(f"/api/v1/disputes/{pk}/reject/", {"reason": " "}, format="json")
    assert blank.json() == {"reason": ["Rejecting needs a reason."]}
    wrong = practice.post(
        f"/api/v1/disputes/{pk}/accept/", {"reason": "ok", "resolution": "magic"}, format="json"
    )
    assert wrong.status_code == 400 and "resolution" in wrong.json()
    assert client_for(dworld.stranger).get(f"/api/v1/disputes/{pk}/").status_code == 404
    assert practice.get("/api/v1/disputes/", {"status": "closed"}).status_code == 400
    assert practice.get("/api/v1/disputes/", {"period": "2026-13"}).status_code == 400
    rejected = practice.post(f"/api/v1/disputes/{pk}/reject/", {"reason": "Aging is right."})
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["resolved_by"] is None
    assert DisputeEvent.objects.filter(dispute_id=pk).count() == 2

    # a file past the limit is refused by its size, and nothing is stored
    settings.DISPUTE_ATTACHMENT_MAX_BYTES = 10
    pk2 = _open(vendor_side, dworld.card).json()["id"]
    big = vendor_side.post(
        f"/api/v1/disputes/{pk2}/attachments/",
        {"file": SimpleUploadedFile("big.pdf", b"x" * 11)},
        format="multipart",
    )
    assert big.json() == {"file": ["big.pdf: 11 bytes; the limit is 10 bytes."]}
    assert DisputeAttachment.objects.count() == 0


def test_only_the_current_revision_is_disputed_or_acknowledged(dworld: Any) -> None:
    from scorecard.services.evaluation import evaluate
    from tests.scorecard.helpers import report

    vendor_side = client_for(dworld.vendor)
    ack = vendor_side.post(
        f"/api/v1/scorecards/{dworld.card.pk}/acknowledge/", {"note": "Seen."}, format="json"
    )
    assert ack.status_code == 201
    assert (ack.json()["actor_name"], ack.json()["note"]) == ("val", "Seen.")
    twice = vendor_side.post(f"/api/v1/scorecards/{dworld.card.pk}/acknowledge/", {})
    assert twice.json() == {"scorecard": ["Revision 1 is already acknowledged."]}
    assert (
        client_for(dworld.viewer)
        .post(f"/api/v1/scorecards/{dworld.card.pk}/acknowledge/", {})
        .status_code
        == 403
    )
    report(dworld.contract.vendor, "2026-01", days_in_ar="41")
    evaluate(vendor_ids=[dworld.contract.vendor_id])
    old = _open(vendor_side, dworld.card)
    assert old.json() == {
        "scorecard": [
            "Revision 1 of 2026-01 is superseded; only the current revision can be "
            "acknowledged or disputed."
        ]
    }
    assert Acknowledgement.objects.count() == 1


def test_action_plan_moves_the_item(dworld: Any) -> None:
    vendor_side = client_for(dworld.vendor)
    url = f"/api/v1/remediations/{dworld.item.pk}/action-plan/"
    sent = vendor_side.post(
        url,
        {"text": "Work the 90+ bucket weekly.", "file": SimpleUploadedFile("plan.txt", b"plan")},
        format="multipart",
    )
    assert sent.status_code == 201, sent.json()
    assert (sent.json()["file_name"], sent.json()["size_bytes"]) == ("plan.txt", 4)
    item = RemediationItem.objects.get(pk=dworld.item.pk)
    assert item.status == "action_plan_received"
    [event] = item.events.filter(to_status="action_plan_received")
    assert event.reason == f"Action plan {sent.json()['id']} submitted by val."
    listed = client_for(dworld.viewer).get(url).json()
    assert [p["text"] for p in listed] == ["Work the 90+ bucket weekly."]
    assert vendor_side.post(url, {"text": ""}, format="multipart").status_code == 400
    assert client_for(dworld.viewer).post(url, {"text": "x"}).status_code == 403
    assert client_for(dworld.stranger).get(url).status_code == 404
    # an item in progress receives no plan
    from scorecard.services.remediation import remediation_transition

    remediation_transition(item=item, to_status="in_progress", reason="Working", actor=dworld.admin)
    refused = vendor_side.post(url, {"text": "Another"}, format="multipart")
    assert refused.json() == {
        "status": [
            "The item is in progress; an action plan is received while it is open, escalated "
            "or awaiting its plan."
        ]
    }


def test_a_vendor_user_of_another_vendor_gets_404_everywhere(dworld: Any) -> None:
    """Bolt's vendor user, in the same organization, never sees Acme's dispute, its file, its
    scorecard or its remediation item: every dispute endpoint and page answers 404."""
    from django.test import Client

    from disputes.services.disputes import dispute_attach, dispute_open

    dispute = dispute_open(
        scorecard=dworld.card,
        actor=dworld.vendor,
        reason="Backlog counted twice.",
        items=[{"kpi": "days_in_ar", "reason": "Backlog."}],
    )
    att = dispute_attach(
        dispute=dispute, upload=SimpleUploadedFile("a.txt", b"a"), actor=dworld.vendor
    )
    bolt = client_for(dworld.bolt_user)
    d, card, item = dispute.pk, dworld.card.pk, dworld.item.pk
    api_calls = [
        ("get", f"/api/v1/disputes/{d}/", None),
        ("post", f"/api/v1/disputes/{d}/answer/", {"reason": "x"}),
        ("post", f"/api/v1/disputes/{d}/accept/", {"reason": "x", "resolution": "both"}),
        ("post", f"/api/v1/disputes/{d}/reject/", {"reason": "x"}),
        ("post", f"/api/v1/disputes/{d}/attachments/", {"file": SimpleUploadedFile("b", b"b")}),
        ("get", f"/api/v1/disputes/{d}/attachments/{att.pk}/", None),
        ("post", f"/api/v1/scorecards/{card}/acknowledge/", {}),
        ("get", f"/api/v1/remediations/{item}/action-plan/", None),
        ("post", f"/api/v1/remediations/{item}/action-plan/", {"text": "x"}),
    ]
    got = {
        url: getattr(bolt, m)(url, body, format="multipart").status_code
        for m, url, body in api_calls
    }
    assert got == {url: 404 for _, url, _ in api_calls}
    opened = bolt.post(
        "/api/v1/disputes/",
        {"scorecard": card, "reason": "x", "items": [{"kpi": "days_in_ar", "reason": "x"}]},
        format="json",
    )
    assert opened.status_code == 404
    assert bolt.get("/api/v1/disputes/").json()["results"] == []
    page = Client()
    page.force_login(dworld.bolt_user)
    pages = [
        f"/disputes/{d}/",
        f"/disputes/{d}/files/{att.pk}/",
        f"/scorecards/{card}/dispute/",
        f"/remediation/{item}/action-plan/",
    ]
    assert {url: page.get(url).status_code for url in pages} == dict.fromkeys(pages, 404)
    assert page.post(f"/scorecards/{card}/acknowledge/").status_code == 404
    assert f"#{d}" not in page.get("/disputes/").content.decode()
    # Acme's own vendor user sees it
    assert client_for(dworld.vendor).get(f"/api/v1/disputes/{d}/").status_code == 200
