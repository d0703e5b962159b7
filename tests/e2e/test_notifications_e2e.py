"""In Chromium: the bell's unread count, the notifications page, mark read and all read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LAPTOP, shot
from tests.e2e.test_pages_e2e import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_bell_and_notifications_page(browser: Any, live_server: Any, demo_world: Any) -> None:
    from django.contrib.auth import get_user_model

    from scorecard.models import InAppNotification

    admin = get_user_model().objects.get(username="admin")
    unread = InAppNotification.objects.filter(recipient=admin, read_at__isnull=True).count()
    assert unread >= 2  # the demo's breaches, escalations and termination rights
    page = sign_in(browser, live_server, "admin", LAPTOP)
    bell = page.get_by_role("link", name=f"Notifications: {unread} unread")
    assert bell.locator(".bell-count").inner_text() == str(unread)
    bell.click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    assert page.locator(".notification.is-unread").count() == min(unread, 50)
    shot(page, "notifications")
    first = page.locator(".notification.is-unread").first
    first_text = first.locator("a").first.inner_text()  # every kind links to its page
    first.get_by_role("button", name="Mark read").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name=f"Notifications: {unread - 1} unread").is_visible()
    assert page.locator(".notification.is-read").first.inner_text().count(first_text) == 1
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Notifications: 0 unread").is_visible()
    assert page.locator(".notification.is-unread").count() == 0
    assert InAppNotification.objects.filter(recipient=admin, read_at__isnull=True).count() == 0
    # The e-mail preferences, linked from the page.
    page.get_by_role("link", name="E-mail preferences").click()
    page.get_by_label("KPI at risk of breaching (early warning)").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().strip() == "Notification preferences saved."
    assert not page.get_by_label("KPI at risk of breaching (early warning)").is_checked()
    shot(page, "notification-preferences")
    page.context.close()
