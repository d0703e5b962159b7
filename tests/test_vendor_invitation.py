"""Vendor users are invited by an administrator: a signed link that expires and works once."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import VendorFactory, member
from vendors.models import AuditEvent, Membership, Role, VendorInvitation
from vendors.services import invitations

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a long vendor passphrase 7"


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _invite(org: Any, email: str = "pat@acme.test") -> tuple[Any, str]:
    acme = VendorFactory(organization=org, slug="acme", name="Acme")
    admin = member(org, Role.ADMIN)
    answer = _signed_in(admin).post(
        reverse("vendor-invite"), {"email": email, "vendor": acme.pk}, follow=True
    )
    assert answer.status_code == 200
    [sent] = mail.outbox
    assert sent.to == [email]
    [link] = re.findall(r"http://testserver(/invitations/[^/\s]+/)", sent.body)
    assert link in answer.content.decode()  # shown to the administrator as well
    return acme, link


def test_admin_invites_and_the_invitee_chooses_a_login_once(org: Any) -> None:
    acme, link = _invite(org)
    invitation = VendorInvitation.objects.get()
    assert (invitation.email, invitation.vendor_id, invitation.accepted_at) == (
        "pat@acme.test",
        acme.pk,
        None,
    )
    guest = Client()
    page = guest.get(link)
    assert page.status_code == 200
    assert "invites pat@acme.test as a user of Acme" in page.content.decode()
    weak = guest.post(link, {"username": "pat", "password": "pat", "password_again": "pat"})
    assert weak.status_code == 400
    assert "This password is too short." in weak.content.decode()  # the same validators
    assert Membership.objects.filter(user__username="pat").count() == 0
    body = {"username": "pat", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD}
    done = guest.post(link, body)
    assert (done.status_code, done["Location"]) == (302, reverse("login"))
    membership = Membership.objects.get(user__username="pat")
    assert (membership.role, membership.vendor_id, membership.user.email) == (
        "vendor",
        acme.pk,
        "pat@acme.test",
    )
    signin = Client().post(reverse("login"), {"username": "pat", "password": GOOD_PASSWORD})
    assert (signin.status_code, signin["Location"]) == (302, "/")
    again = Client().get(link)
    assert again.status_code == 400
    assert "This invitation link was already used; sign in instead." in again.content.decode()
    reused = Client().post(link, {**body, "username": "pat2"})
    assert reused.status_code == 400
    assert Membership.objects.filter(user__username="pat2").count() == 0
    actions = list(
        AuditEvent.objects.filter(record_type="vendor_invitation")
        .order_by("pk")
        .values_list("action", "reason")
    )
    assert actions == [
        ("created", "pat@acme.test invited as a vendor user of acme."),
        ("updated", "Accepted by pat."),
    ]


def test_expired_and_tampered_links_are_refused(org: Any, settings: Any) -> None:
    settings.VENDOR_INVITATION_MAX_AGE_HOURS = 2
    with time_machine.travel("2026-03-02 08:00Z", tick=False):
        _, link = _invite(org)
    with time_machine.travel("2026-03-02 09:59Z", tick=False):
        assert Client().get(link).status_code == 200
    with time_machine.travel("2026-03-02 10:01Z", tick=False):
        late = Client().post(
            link, {"username": "pat", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD}
        )
    assert late.status_code == 400
    assert "This invitation link has expired (2 hours)" in late.content.decode()
    token = link.split("/")[2]
    other = invitations.invitation_token(VendorInvitation(pk=VendorInvitation.objects.get().pk + 1))
    for bad in (token[:-2] + "xx", "nonsense", other):
        answer = Client().get(f"/invitations/{bad}/")
        assert answer.status_code == 400, bad
        assert invitations.TAMPERED in answer.content.decode()
    assert Membership.objects.filter(role=Role.VENDOR).count() == 0


def test_only_administrators_invite_and_only_their_own_vendors(org: Any, other_org: Any) -> None:
    acme = VendorFactory(organization=org, slug="acme")
    zeta = VendorFactory(organization=other_org, slug="zeta")
    viewer = _signed_in(member(org, Role.VIEWER))
    body = {"email": "x@acme.test", "vendor": acme.pk}
    assert viewer.post(reverse("vendor-invite"), body).status_code == 403
    admin = _signed_in(member(org, Role.ADMIN))
    refused = admin.post(
        reverse("vendor-invite"), {"email": "x@zeta.test", "vendor": zeta.pk}, follow=True
    )
    assert "Invitation not sent: vendor: Select a valid choice." in refused.content.decode()
    bad_mail = admin.post(
        reverse("vendor-invite"), {"email": "not an address", "vendor": acme.pk}, follow=True
    )
    assert "Invitation not sent: email: Enter a valid email address." in (bad_mail.content.decode())
    assert VendorInvitation.objects.count() == 0 and mail.outbox == []
