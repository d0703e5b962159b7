"""Role checks for the API: any member reads; writes need a role in the record's organization."""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from vendors import policy, selectors
from vendors.models import Organization


class RoleWritePermission(permissions.BasePermission):
    """Members read; only members holding one of ``view.write_roles`` write.

    The view sets ``write_roles`` (default: administrators). Object visibility itself comes from
    the scoped queryset, so a record of another organization is a 404 before this runs.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        roles = getattr(view, "write_roles", policy.roles_with(policy.Capability.MANAGE))
        return selectors.role_in(request.user, obj.organization_id) in roles


def organization_for_write(request: Request, slug: str | None, roles: Set[str]) -> Organization:
    """The organization a new record goes to: the one named, or the user's only one with the role.

    Raises a 403 when the user lacks the role there, and a 400 when the choice is ambiguous.
    """
    allowed = selectors.organizations_with_role(request.user, roles)
    if slug:
        org = selectors.organizations_for(request.user).filter(slug=slug).first()
        if org is None:
            raise exceptions.ValidationError({"organization": [f"Unknown organization {slug!r}."]})
        if not allowed.filter(pk=org.pk).exists():
            raise exceptions.PermissionDenied(
                f"Your role in {org.name} does not allow this; it needs one of {sorted(roles)}."
            )
        return org
    orgs = list(allowed[:2])
    if not orgs:
        raise exceptions.PermissionDenied(f"This needs one of the roles {sorted(roles)}.")
    if len(orgs) > 1:
        raise exceptions.ValidationError(
            {"organization": ["You belong to several organizations; name one (its slug)."]}
        )
    return orgs[0]
