"""Shared fixtures: two organizations with members of each role, and API clients."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories import OrganizationFactory, member
from vendors.models import Organization, Role


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    """Every test writes its files under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db: None) -> Organization:
    """Organization A, the user's own."""
    return OrganizationFactory(name="Practice A", slug="practice-a")


@pytest.fixture
def other_org(db: None) -> Organization:
    """Organization B, whose records a user of A must never see."""
    return OrganizationFactory(name="Practice B", slug="practice-b")


@pytest.fixture
def admin_user(org: Organization) -> Any:
    """An administrator of organization A."""
    return member(org, Role.ADMIN, user__username="alice")


def client_for(user: Any) -> APIClient:
    """An API client signed in (token auth) as ``user``."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(admin_user: Any) -> APIClient:
    """An API client for organization A's administrator."""
    return client_for(admin_user)
