"""In-app notifications beside the e-mails: notify(), the bell, the page, the preferences and
the API (each person's own only)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from scorecard.models import InAppNotification, Notification
from scorecard.services import notifications
from scorecard.services.notifications import Message, notify
from tests.conftest import client_for
from tests.factories import member
from vendors.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def _message(org, key: str, kind: str = "breach", link: str = "/remediation/") -> Message:
    return Message(
        organization_id=org.pk, key=key, kind=kind, subject=f"Subject {key}", body="Body", link=link
    )


@pytest.fixture
def people(org):
    return {
        "admin": member(org, Role.ADMIN, user__username="boss", user__email="boss@example.test"),
        "compliance": member(
            org, Role.COMPLIANCE, user__username="audit", user__email="audit@example.test"
        ),
        "no_mail": member(org, Role.COMPLIANCE, user__username="quiet", user__email=""),
        "viewer": member(org, Role.VIEWER, user__username="look", user__email="look@example.test"),
    }


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_notify_writes_one_in_app_row_per_recipient_and_mails_by_preference(
    org, people, mailoutbox
):
    notifications.notification_preferences_set(user=people["admin"], by_email={"breach": False})
    assert notify(_message(org, "breach:1")) is True
    assert notify(_message(org, "breach:1")) is False  # once per key
    rows = InAppNotification.objects.order_by("recipient__username")
    assert [(r.recipient.username, r.kind, r.text, r.link, r.read_at) for r in rows] == [
        ("audit", "breach", "Subject breach:1", "/remediation/", None),
        ("boss", "breach", "Subject breach:1", "/remediation/", None),
        ("quiet", "breach", "Subject breach:1", "/remediation/", None),
    ]
    # The admin keeps breaches in the application only; the viewer is no recipient.
    assert [m.to for m in mailoutbox] == [["audit@example.test"]]
    assert Notification.objects.get(key="breach:1").recipients == ["audit@example.test"]
    # Another kind still goes to the admin by e-mail.
    notify(_message(org, "escalation:1", kind="escalation"))
    assert sorted(mailoutbox[1].to) == ["audit@example.test", "boss@example.test"]


def test_a_failed_mail_stores_nothing_so_a_later_run_retries(org, people, settings, mailoutbox):
    # A real SMTP backend at a port nobody listens on: the connection is refused.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 5},
        }
    }
    assert notify(_message(org, "breach:9")) is False
    assert (Notification.objects.count(), InAppNotification.objects.count()) == (0, 0)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert notify(_message(org, "breach:9")) is True  # the later run
    assert InAppNotification.objects.count() == 3


def test_bell_counts_unread_of_the_current_organization(org, other_org, people):
    boss = people["admin"]
    member(other_org, Role.ADMIN, user=boss)  # boss also sits in organization B
    notify(_message(org, "breach:1"))
    notify(_message(org, "breach:2"))
    notify(_message(other_org, "breach:3"))
    client = _signed_in(boss)
    session = client.session
    session["current_organization_id"] = org.pk
    session.save()
    html = client.get("/").content.decode()
    assert 'aria-label="Notifications: 2 unread"' in html
    assert '<span class="bell-count has-unread">2</span>' in html
    first = InAppNotification.objects.get(recipient=boss, event__key="breach:1")
    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302
    assert 'aria-label="Notifications: 1 unread"' in client.get("/").content.decode()


def test_page_lists_own_marks_read_and_all_read(org, people):
    for n in range(3):
        notify(_message(org, f"breach:{n}"))
    boss, auditor = people["admin"], people["compliance"]
    client = _signed_in(boss)
    page = client.get("/notifications/").content.decode()
    assert "3 notifications in" in page
    assert page.count('class="card notification is-unread"') == 3
    assert '<a href="/remediation/">Subject breach:2</a>' in page
    others = InAppNotification.objects.get(recipient=auditor, event__key="breach:0")
    assert client.post(f"/notifications/{others.pk}/read/").status_code == 404  # not boss's
    assert InAppNotification.objects.get(pk=others.pk).read_at is None
    mine = InAppNotification.objects.get(recipient=boss, event__key="breach:0")
    response = client.post(f"/notifications/{mine.pk}/read/", {"page": "1"})
    assert (response.status_code, response["Location"]) == (302, "/notifications/?page=1")
    page = client.get("/notifications/").content.decode()
    assert page.count("is-unread") == 2 and page.count("is-read") == 1
    assert client.post("/notifications/read-all/").status_code == 302
    assert InAppNotification.objects.filter(recipient=boss, read_at__isnull=True).count() == 0
    assert InAppNotification.objects.filter(recipient=auditor, read_at__isnull=True).count() == 3
    assert client.get("/notifications/read-all/").status_code == 405


def test_page_is_bounded_to_fifty(org, people):
    notifications.messages_send([_message(org, f"breach:{n}") for n in range(51)])
    page = _signed_in(people["admin"]).get("/notifications/").content.decode()
    assert page.count('class="card notification') == 50
    assert "Page 1 of 2" in page
    second = _signed_in(people["admin"]).get("/notifications/", {"page": "2"}).content.decode()
    assert second.count('class="card notification') == 1
    assert "Subject breach:0" in second  # oldest last


def test_preferences_page_stores_choices_and_audits(org, people, mailoutbox):
    client = _signed_in(people["compliance"])
    page = client.get("/account/notifications/").content.decode()
    assert len(re.findall(r'name="email_\w+" checked', page)) == len(notifications.KIND_LABELS)
    kept = {f"email_{k}": "on" for k in notifications.KIND_LABELS if k != "at_risk"}
    assert client.post("/account/notifications/", kept).status_code == 302
    assert notifications.notification_preferences(user=people["compliance"]) == {
        **dict.fromkeys(notifications.KIND_LABELS, True),
        "at_risk": False,
    }
    event = AuditEvent.objects.get(record_type="user", record_id=str(people["compliance"].pk))
    assert (event.changes, event.reason) == (
        {"email:at_risk": [True, False]},
        "Notification preferences",
    )
    notify(_message(org, "at_risk:1", kind="at_risk"))
    assert [m.to for m in mailoutbox] == [["boss@example.test"]]
    assert InAppNotification.objects.filter(recipient=people["compliance"], kind="at_risk").exists()
    with pytest.raises(ValueError, match="Unknown notification kind: nope"):
        notifications.notification_preferences_set(user=people["admin"], by_email={"nope": True})


def test_api_lists_own_only_filters_and_marks_read(org, other_org, people):
    notify(_message(org, "breach:1"))
    notify(_message(org, "escalation:1", kind="escalation"))
    api = client_for(people["admin"])
    body = api.get("/api/v1/notifications/").json()
    assert body["count"] == 2
    assert [(n["kind"], n["text"], n["organization"], n["read_at"]) for n in body["results"]] == [
        ("escalation", "Subject escalation:1", org.slug, None),
        ("breach", "Subject breach:1", org.slug, None),
    ]
    first = body["results"][1]["id"]
    read = api.post(f"/api/v1/notifications/{first}/read/")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert api.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 1
    assert api.get("/api/v1/notifications/", {"unread": "false"}).json()["count"] == 1
    assert api.get("/api/v1/notifications/", {"unread": "maybe"}).status_code == 400
    assert api.get("/api/v1/notifications/", {"limit": "100000"}).status_code == 400
    stranger = client_for(member(other_org, Role.ADMIN))
    assert stranger.get("/api/v1/notifications/").json()["count"] == 0
    assert stranger.post(f"/api/v1/notifications/{first}/read/").status_code == 404
    assert stranger.post("/api/v1/notifications/abc/read/").status_code == 404
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
