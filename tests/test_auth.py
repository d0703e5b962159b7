"""Sign-in (issue 18, items 5 and 8): lockout after wrong passwords on the login page and the
admin login, its release (cool-off or an administrator), 429 after bad API tokens, password
validators on every path that makes a login, the password change page, CSP and
Permissions-Policy headers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import UserFactory, member
from vendors import services
from vendors.models import Role

pytestmark = pytest.mark.django_db

LOCKED = (
    "Sign-in for this username is locked after 5 wrong passwords in a row. Try again in 15 "
    "minutes, or ask an administrator to release it."
)
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Bad-token counts live in the cache; each test starts from none."""
    cache.clear()
    yield
    cache.clear()


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _sign_in(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_wrong_passwords_lock_then_the_cool_off_releases(org, url):
    user = member(org, Role.ADMIN, user__username="alice", user__is_staff=True)
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        for attempt in range(1, 5):
            answer = _sign_in(client, url, "alice", "wrong")
            assert answer.status_code == 200, attempt  # the form again, with its error
        fifth = _sign_in(client, url, "alice", "wrong")
        assert fifth.status_code == 429
        assert LOCKED in fifth.content.decode()

        right = _sign_in(client, url, "alice", "pw")
        assert right.status_code == 429
        assert LOCKED in right.content.decode()
        assert not _signed_in(client)

        clock.shift(dt.timedelta(minutes=14, seconds=59))
        assert _sign_in(client, url, "alice", "pw").status_code == 429
        assert not _signed_in(client)

        clock.shift(dt.timedelta(seconds=2))
        after = _sign_in(client, url, "alice", "pw")
        assert after.status_code == 302
        assert _signed_in(client)
        assert int(client.session["_auth_user_id"]) == user.pk


def test_two_hundred_wrong_passwords_then_the_right_one_is_refused(org):
    member(org, Role.VIEWER, user__username="victor")
    client = Client()
    answers = [_sign_in(client, "/login/", "victor", f"guess{n}").status_code for n in range(200)]
    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}
    assert _sign_in(client, "/login/", "victor", "pw").status_code == 429
    assert not _signed_in(client)
    # Counted up to the lockout; attempts while locked out do not extend it.
    assert AccessAttempt.objects.get(username="victor").failures_since_start == 5


def test_a_right_password_resets_the_count(org):
    member(org, Role.VIEWER, user__username="victor")
    client = Client()
    for _ in range(4):
        _sign_in(client, "/login/", "victor", "wrong")
    assert _sign_in(client, "/login/", "victor", "pw").status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert _sign_in(client, "/login/", "victor", "wrong").status_code == 200
    assert _sign_in(client, "/login/", "victor", "pw").status_code == 302


def test_the_lockout_is_per_username(org):
    member(org, Role.VIEWER, user__username="victor")
    member(org, Role.VIEWER, user__username="wendy")
    client = Client()
    for _ in range(5):
        _sign_in(client, "/login/", "victor", "wrong")
    assert _sign_in(client, "/login/", "victor", "pw").status_code == 429
    assert _sign_in(client, "/login/", "wendy", "pw").status_code == 302


def test_an_administrator_releases_a_lockout_in_the_admin(org):
    member(org, Role.VIEWER, user__username="victor")
    client = Client()
    for _ in range(5):
        _sign_in(client, "/login/", "victor", "wrong")
    assert _sign_in(client, "/login/", "victor", "pw").status_code == 429

    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    attempt = AccessAttempt.objects.get(username="victor")
    listed = admin.get("/admin/axes/accessattempt/")
    assert listed.status_code == 200
    assert "victor" in listed.content.decode()
    deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not AccessAttempt.objects.filter(username="victor").exists()

    assert _sign_in(client, "/login/", "victor", "pw").status_code == 302
    assert _signed_in(client)


def test_bad_api_tokens_get_429_after_the_limit_until_the_cool_off(admin_user):
    good = client_for(admin_user)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    with time_machine.travel(START, tick=False) as clock:
        answers = [bad.get("/api/v1/vendors/") for _ in range(10)]
        assert [a.status_code for a in answers] == [403] * 10  # DRF: session auth comes first
        assert answers[0].json() == {"detail": "Invalid token."}
        eleventh = bad.get("/api/v1/vendors/")
        assert eleventh.status_code == 429
        assert eleventh.json() == {
            "detail": "Too many bad API tokens from this address; token requests are refused "
            "for 15 minutes. Expected available in 900 seconds."
        }
        assert eleventh["Retry-After"] == "900"
        # The address is throttled, whatever token it offers next.
        assert good.get("/api/v1/vendors/").status_code == 429
        # Session sign-in (the pages) is not a token request.
        page = Client()
        page.force_login(admin_user)
        assert page.get("/api/v1/vendors/").status_code == 200

        clock.shift(dt.timedelta(minutes=15, seconds=1))
        assert good.get("/api/v1/vendors/").status_code == 200
        assert bad.get("/api/v1/vendors/").status_code == 403


def test_three_hundred_bad_tokens_are_not_all_tried(admin_user):
    bad = APIClient()
    statuses = []
    for n in range(300):
        bad.credentials(HTTP_AUTHORIZATION=f"Token {n:040d}")
        statuses.append(bad.get("/api/v1/reports/").status_code)
    assert statuses[:10] == [403] * 10
    assert set(statuses[10:]) == {429}


def test_the_limits_come_from_settings(org, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.API_TOKEN_FAILURE_LIMIT = 3
    member(org, Role.VIEWER, user__username="victor")
    client = Client()
    assert _sign_in(client, "/login/", "victor", "wrong").status_code == 200
    assert _sign_in(client, "/login/", "victor", "wrong").status_code == 429
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token nope")
    assert [bad.get("/api/v1/kpis/").status_code for _ in range(4)] == [403, 403, 403, 429]


# --- Password validators ------------------------------------------------------------------------
def test_user_create_runs_the_password_validators(org):
    with pytest.raises(ValidationError) as refused:
        services.user_create(
            username="bob", password="password123", organization=org, role=Role.VIEWER
        )
    assert refused.value.message_dict == {"password": ["This password is too common."]}
    with pytest.raises(ValidationError) as similar:
        services.user_create(
            username="roberta.smith",
            email="roberta.smith@example.test",
            password="roberta.smith1",
            organization=org,
            role=Role.VIEWER,
        )
    assert similar.value.message_dict == {
        "password": ["The password is too similar to the username."]
    }
    assert not get_user_model().objects.filter(username__in=["bob", "roberta.smith"]).exists()


def test_manage_page_refuses_a_common_password_with_the_validators_words(client, admin_user):
    client.force_login(admin_user)
    answer = client.post(
        "/manage/",
        {"username": "bob", "email": "", "password": "password123", "role": Role.VIEWER},
    )
    assert answer.status_code == 400
    assert "This password is too common." in answer.content.decode()
    assert not get_user_model().objects.filter(username="bob").exists()

    taken = client.post(
        "/manage/",
        {"username": "alice", "email": "", "password": "Long-enough-9", "role": Role.VIEWER},
    )
    assert taken.status_code == 400
    assert "This username is taken." in taken.content.decode()

    made = client.post(
        "/manage/",
        {"username": "bob", "email": "", "password": "kestrel-ochre-41", "role": Role.VIEWER},
    )
    assert made.status_code == 302
    assert get_user_model().objects.get(username="bob").check_password("kestrel-ochre-41")


# --- Password change ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.ADMIN, Role.FINANCE, Role.COMPLIANCE, Role.VIEWER])
def test_every_member_changes_their_password(org, role):
    user = member(org, role)
    client = Client()
    client.force_login(user)
    dashboard = client.get("/").content.decode()
    assert '<a href="/account/password/" class="btn btn-small btn-ghost">Change password</a>' in (
        dashboard
    )
    page = client.get("/account/password/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Change password</h1>" in html
    assert 'aria-current="page">Change password</a>' in html

    wrong_old = client.post(
        "/account/password/",
        {
            "old_password": "nope",
            "new_password1": "kestrel-ochre-41",
            "new_password2": "kestrel-ochre-41",
        },
    )
    assert "Your old password was entered incorrectly. Please enter it again." in (
        wrong_old.content.decode()
    )
    common = client.post(
        "/account/password/",
        {"old_password": "pw", "new_password1": "password123", "new_password2": "password123"},
    )
    assert "This password is too common." in common.content.decode()
    user.refresh_from_db()
    assert user.check_password("pw")

    done = client.post(
        "/account/password/",
        {
            "old_password": "pw",
            "new_password1": "kestrel-ochre-41",
            "new_password2": "kestrel-ochre-41",
        },
    )
    assert done.status_code == 302
    assert done["Location"] == "/account/password/done/"
    assert "Your password was changed" in client.get("/account/password/done/").content.decode()
    user.refresh_from_db()
    assert user.check_password("kestrel-ochre-41")
    assert client.get("/").status_code == 200  # still signed in


def test_password_change_needs_a_sign_in(client):
    answer = client.get("/account/password/")
    assert answer.status_code == 302
    assert answer["Location"] == "/login/?next=/account/password/"


# --- Content-Security-Policy and Permissions-Policy -------------------------------------------
PERMISSIONS = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "xr-spatial-tracking=()"
)


def _policy(nonce: str | None, style: str = "'self'") -> str:
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        f"default-src 'self'; script-src {script}; style-src {style}; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def test_pages_carry_csp_with_the_htmx_scripts_nonce(client, admin_user):
    client.force_login(admin_user)
    for url in ["/", "/vendors/", "/upload/", "/manage/", "/account/password/"]:
        answer = client.get(url)
        assert answer.status_code == 200, url
        html = answer.content.decode()
        nonces = re.findall(r'<script[^>]* nonce="([^"]+)"', html)
        assert len(nonces) == 1, url  # htmx, the one script, loaded from our static files
        assert answer["Content-Security-Policy"] == _policy(nonces[0]), url
        assert f'"inlineScriptNonce": "{nonces[0]}"' in html
        assert answer["Permissions-Policy"] == PERMISSIONS
        assert "<style" not in html and " style=" not in html, url


def test_login_api_and_docs_carry_the_headers(client, api, admin_user):
    login = client.get("/login/")
    assert login["Permissions-Policy"] == PERMISSIONS
    assert login["Content-Security-Policy"].startswith("default-src 'self'; script-src 'self'")
    listed = api.get("/api/v1/vendors/")
    assert listed["Content-Security-Policy"] == _policy(None)
    assert listed["Permissions-Policy"] == PERMISSIONS
    client.force_login(admin_user)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert docs["Content-Security-Policy"] == _policy(None, "'self' 'unsafe-inline'")
    html = docs.content.decode()
    assert '<script src="/api/docs/?script="></script>' in html  # no inline script
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"


def test_a_locked_out_page_says_when_in_minutes(org, settings):
    settings.LOGIN_COOLOFF_MINUTES = 30
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
    member(org, Role.VIEWER, user__username="victor")
    client = Client()
    for _ in range(5):
        last = _sign_in(client, "/login/", "victor", "wrong")
    assert "Try again in 30 minutes" in last.content.decode()
    assert AccessAttempt.objects.get(username="victor").attempt_time <= timezone.now()
