"""Django admin: every model of the product has a page, and each changelist opens."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _our_models() -> list:
    return [
        m
        for app in ("vendors", "scorecard", "remittances")
        for m in apps.get_app_config(app).get_models()
    ]


def test_every_model_is_in_the_admin():
    missing = [
        m.__name__
        for m in _our_models()
        if m not in admin.site._registry and "Historical" not in m.__name__
    ]
    assert missing == []


def test_every_changelist_opens(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    for model in _our_models():
        if model not in admin.site._registry:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
