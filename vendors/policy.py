"""The one role policy: what each role may do in an organization.

Pages, the API, exports, PDFs, jobs and the Django admin all ask this module; none of them names
roles itself. A role grants capabilities (the table below); a new role (e.g. ``vendor``) is a new
row, not new ``if`` statements elsewhere.

Money means the fee, service credit, net payable, amount at risk, effective rate, cost per claim,
the what-if, and the contract's prices (percent of collections, fee per claim, flat monthly fee,
monthly minimum and maximum). Only roles holding ``SEE_MONEY`` see any of it: elsewhere the
fields are absent (not null), the pages leave them out and the PDF has no money section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from vendors.models import Membership, Role


class Capability(StrEnum):
    """One thing a member may do in an organization."""

    READ = "read"  # vendors, contracts' terms, reports, scorecards, remediation items
    SEE_MONEY = "see_money"  # fees, credits, what-if, rates, contract prices; the finance page
    UPLOAD = "upload"  # submit vendor reports
    SEE_COMPLIANCE = "see_compliance"  # the compliance page and its exports
    MOVE_REMEDIATION = "move_remediation"  # move or waive remediation items
    MANAGE = "manage"  # vendors, contracts, SLA terms, aliases, KPIs, members; the admin site
    # The practice's own view: every vendor side by side (compare), contracts' and remediation
    # items' internal notes. Vendor users never hold it.
    SEE_PRACTICE = "see_practice"
    # A vendor user's answers: acknowledge or dispute a scorecard, submit an action plan.
    RESPOND = "respond"
    # The practice's answer to a vendor's dispute (answer, accept, reject).
    ANSWER_DISPUTES = "answer_disputes"


CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMIN.value: frozenset(Capability) - {Capability.RESPOND},
    Role.FINANCE.value: frozenset(
        {Capability.READ, Capability.SEE_MONEY, Capability.UPLOAD, Capability.SEE_PRACTICE}
    ),
    Role.COMPLIANCE.value: frozenset(
        {
            Capability.READ,
            Capability.UPLOAD,
            Capability.SEE_COMPLIANCE,
            Capability.MOVE_REMEDIATION,
            Capability.SEE_PRACTICE,
            Capability.ANSWER_DISPUTES,
        }
    ),
    Role.VIEWER.value: frozenset({Capability.READ, Capability.SEE_PRACTICE}),
    # A vendor user reads and submits for its own vendor only (``vendor_scope``), answers for it,
    # and sees no money: the what-if, the finance page and the full PDF hold other vendors' prices
    # and the practice's totals, so its own contract's prices are left out with everyone's.
    Role.VENDOR.value: frozenset({Capability.READ, Capability.UPLOAD, Capability.RESPOND}),
}


def capabilities_of(role: str | None) -> frozenset[Capability]:
    """What a role may do; nothing for None (not a member) or an unknown role."""
    return CAPABILITIES.get(role or "", frozenset())


def can(role: str | None, capability: Capability) -> bool:
    """Whether a role holds a capability."""
    return capability in capabilities_of(role)


def roles_with(capability: Capability) -> frozenset[str]:
    """The roles holding a capability (for queries such as "members who may ...")."""
    return frozenset(role for role, caps in CAPABILITIES.items() if capability in caps)


def roles_by_organization(user: Any) -> dict[int, str]:
    """The user's role in each organization, by organization id, in one query."""
    if not getattr(user, "is_authenticated", False):
        return {}
    return dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))


def role_for_request(request: Any, organization_id: int) -> str | None:
    """The requesting user's role in an organization; the roles are read once per request."""
    roles = getattr(request, "_policy_roles", None)
    if roles is None:
        roles = roles_by_organization(request.user)
        request._policy_roles = roles
    return roles.get(organization_id)


def user_can(user: Any, organization_id: int, capability: Capability) -> bool:
    """Whether the user holds a capability in an organization (False when not a member)."""
    return can(roles_by_organization(user).get(organization_id), capability)


# --- Vendor users: the one scoping rule -------------------------------------------------------
# For each model a vendor user may see, the path from a row to its vendor. A model not named here
# (members, the audit trail, holidays, notifications, ...) shows no row at all to a vendor user in
# the organization where it is one: deny unless named.
VENDOR_PATHS: dict[str, str] = {
    "vendors.Vendor": "pk",
    "vendors.Contract": "vendor",
    "vendors.SLATerm": "contract__vendor",
    "vendors.ColumnAlias": "vendor",
    "vendors.ReportUpload": "vendor",
    "vendors.Report": "vendor",
    "vendors.PendingRescore": "vendor",
    "scorecard.Scorecard": "vendor",
    "scorecard.RemediationItem": "vendor",
    "scorecard.TerminationRight": "vendor",
    "scorecard.Job": "scorecard__vendor",
    # The payers' evidence: a vendor user sees the claims of its own payees (a remittance file
    # may hold other vendors' claims, so the files themselves are the practice's alone).
    "remittances.ClaimPayment": "vendor",
    "remittances.ServiceLine": "claim__vendor",
    "remittances.ClaimAdjustment": "claim__vendor",
    "remittances.PayeeMapping": "vendor",
    "disputes.Acknowledgement": "scorecard__vendor",
    "disputes.Dispute": "vendor",
    "disputes.DisputeAttachment": "dispute__vendor",
    "disputes.ActionPlan": "item__vendor",
    # The vendor's own denial work logs and what they measure.
    "worklogs.DenialLog": "vendor",
    "worklogs.DenialWorkMeasures": "vendor",
}


def vendor_scope[M: models.Model](
    who: Any,
    queryset: QuerySet[M],
    *,
    vendor_field: str | None = None,
    organization_field: str = "organization",
) -> QuerySet[M]:
    """The one scoping function: the rows of ``queryset`` the user may see.

    ``who`` is a request, a membership (its user) or a user. A row is seen when the user is a
    member of its organization and, where the user is a vendor user, the row belongs to that
    user's vendor (``vendor_field``, else the model's path in ``VENDOR_PATHS``; a model without
    one shows nothing to vendor users). Everything else simply does not exist: a 404.
    """
    user = getattr(who, "user", who)
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    field = vendor_field or VENDOR_PATHS.get(queryset.model._meta.label)
    fits = Q(vendor__isnull=True)
    if field is not None:
        fits |= Q(vendor=OuterRef(field))
    seat = Membership.objects.filter(fits, user=user, organization=OuterRef(organization_field))
    return queryset.filter(Exists(seat))


def vendor_of(who: Any, organization_id: int) -> int | None:
    """The vendor (id) a vendor user is bound to in an organization; None for everyone else."""
    user = getattr(who, "user", who)
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(user=user, organization_id=organization_id)
        .values_list("vendor_id", flat=True)
        .first()
    )


# --- Money ------------------------------------------------------------------------------------
# Fields of the scorecard payload (API, CLI JSON) that are money.
SCORECARD_MONEY_FIELDS = frozenset(
    {"fee", "credit", "net_payable", "at_risk_amount", "effective_rate", "cost_per_claim"}
)
# A contract's prices: on the contract itself and in the terms frozen into a scorecard.
CONTRACT_PRICE_FIELDS = frozenset(
    {
        "percent_of_collections",
        "fee_per_claim",
        "flat_monthly_fee",
        "monthly_minimum",
        "monthly_maximum",
    }
)
# Columns of table exports that are money.
EXPORT_MONEY_COLUMNS = frozenset(
    {"fee", "credit", "net", "effective_rate_percent", "cost_per_claim"} | CONTRACT_PRICE_FIELDS
)


def without(payload: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """A copy of the payload with the fields left out (absent, not null)."""
    drop = set(fields)
    return {key: value for key, value in payload.items() if key not in drop}


def scorecard_for_role(payload: Mapping[str, Any], role: str | None) -> dict[str, Any]:
    """A scorecard payload as a role may see it: money fields and contract prices left out."""
    money = can(role, Capability.SEE_MONEY)
    out = dict(payload) if money else without(payload, SCORECARD_MONEY_FIELDS)
    if isinstance(out.get("contract"), Mapping):
        out["contract"] = contract_for_role(out["contract"], role)
    return out


# The practice's internal notes on a contract: left out without ``SEE_PRACTICE`` (vendor users).
CONTRACT_INTERNAL_FIELDS = frozenset({"notes"})


def contract_for_role(payload: Mapping[str, Any], role: str | None) -> dict[str, Any]:
    """A contract payload as a role may see it: prices left out without ``SEE_MONEY``, the
    internal notes without ``SEE_PRACTICE``."""
    drop: set[str] = set()
    if not can(role, Capability.SEE_MONEY):
        drop |= CONTRACT_PRICE_FIELDS
    if not can(role, Capability.SEE_PRACTICE):
        drop |= CONTRACT_INTERNAL_FIELDS
    return without(payload, drop)


def audit_changes_for_role(changes: Mapping[str, Any], role: str | None) -> dict[str, Any]:
    """An audit row's ``{field: [before, after]}`` as a role may see it: a change of a contract
    price or of a scorecard's money is left out without ``SEE_MONEY``."""
    if can(role, Capability.SEE_MONEY):
        return dict(changes)
    return without(changes, CONTRACT_PRICE_FIELDS | SCORECARD_MONEY_FIELDS)


def export_columns(header: Iterable[str], role: str | None) -> list[int]:
    """Indexes of the export columns a role may see (money columns only with ``SEE_MONEY``)."""
    money = can(role, Capability.SEE_MONEY)
    return [i for i, name in enumerate(header) if money or name not in EXPORT_MONEY_COLUMNS]


# --- PDF scorecards ---------------------------------------------------------------------------
class PdfVariant(models.TextChoices):
    """Which PDF of a scorecard revision: with the money section, or without it."""

    FULL = "full", "With fees and credits"
    NO_MONEY = "no_money", "Without money"


def pdf_variant(role: str | None) -> str:
    """The PDF variant a role receives."""
    return PdfVariant.FULL if can(role, Capability.SEE_MONEY) else PdfVariant.NO_MONEY


def may_have_pdf(role: str | None, variant: str) -> bool:
    """Whether a role may download a PDF variant (the full one holds money)."""
    return variant == PdfVariant.NO_MONEY or can(role, Capability.SEE_MONEY)


# --- The Django admin -------------------------------------------------------------------------
def is_installation_staff(user: Any) -> bool:
    """Staff of the installation (superusers) see and manage every organization in the admin."""
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def admin_organization_ids(user: Any) -> list[int]:
    """Organizations whose records the user manages in the Django admin (staff flag needed)."""
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return []
    return sorted(
        org_id
        for org_id, role in roles_by_organization(user).items()
        if can(role, Capability.MANAGE)
    )
