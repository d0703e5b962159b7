"""API token authentication that answers 429 after too many bad tokens from one address.

A bad token is counted per client address (as django-axes reads it) in the cache; once
``API_TOKEN_FAILURE_LIMIT`` bad tokens came from an address, every token request from it answers
429 for ``LOGIN_COOLOFF_MINUTES`` from the first of them.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

KEY_PREFIX = "bad-api-token:"


def _key(request: Request) -> str:
    return KEY_PREFIX + (get_client_ip_address(request) or "unknown")


class ThrottledTokenAuthentication(TokenAuthentication):
    """``Authorization: Token ...``; bad tokens from one address lead to 429."""

    def authenticate(self, request: Request) -> Any:
        offered = get_authorization_header(request).split()
        if not offered or offered[0].lower() != self.keyword.lower().encode():
            return None  # no token offered: other authentication classes may apply
        key = _key(request)
        cooloff_seconds = settings.LOGIN_COOLOFF_MINUTES * 60
        if cache.get(key, 0) >= settings.API_TOKEN_FAILURE_LIMIT:
            raise Throttled(
                wait=cooloff_seconds,
                detail=(
                    f"Too many bad API tokens from this address; token requests are refused for "
                    f"{settings.LOGIN_COOLOFF_MINUTES} minutes."
                ),
            )
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            if not cache.add(key, 1, timeout=cooloff_seconds):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, timeout=cooloff_seconds)
            raise
