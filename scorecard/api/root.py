"""``/api/v1/``: the API's resources, each with the address of its list."""

from __future__ import annotations

from django.urls import get_resolver
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def resource_lists() -> dict[str, str]:
    """Resource (the path's first part) -> URL name of its list, from the resolver."""
    found: dict[str, str] = {}
    for resolver in get_resolver().url_patterns:
        if str(getattr(resolver, "pattern", "")) != "api/v1/" or not hasattr(
            resolver, "url_patterns"
        ):
            continue
        for pattern in resolver.url_patterns:
            name = getattr(pattern, "name", None) or ""
            route = str(pattern.pattern).lstrip("^").split("/", 1)[0]
            if name.endswith("-list") and route:
                found[route] = name
    return dict(sorted(found.items()))


class APIRoot(APIView):
    """The resources of the API, each with its list's address (authentication as elsewhere)."""

    schema = None  # not an operation of the docs

    def get(self, request: Request) -> Response:
        return Response(
            {
                resource: request.build_absolute_uri(f"/api/v1/{resource}/")
                for resource in resource_lists()
            }
        )
