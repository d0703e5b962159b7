"""Reads of vendor facts that more than one caller needs; every read for a user is scoped here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from . import periods, policy
from .models import (
    AuditEvent,
    AuditRecordType,
    ColumnAlias,
    Contract,
    Holiday,
    KPIDefinition,
    Membership,
    Organization,
    PendingRescore,
    Report,
    Role,
    SLATerm,
    Vendor,
)

if TYPE_CHECKING:
    from django.db.models import Model

ROWS_PER_FETCH = 20000

# A signed-in user or AnonymousUser (typed loosely: the stubs cannot see the concrete user model).
AnyUser = Any


def organizations_for(user: AnyUser) -> QuerySet[Organization]:
    """Organizations the user is a member of (none for an anonymous user)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user)


def scope_for_user[M: Model](
    queryset: QuerySet[M], user: AnyUser, *, organization_field: str = "organization"
) -> QuerySet[M]:
    """Restrict any queryset to the user's organizations and, for a vendor user, to its vendor
    (the role policy's ``vendor_scope`` is the rule).

    Records of other organizations and other vendors simply do not exist for the user: 404.
    """
    return policy.vendor_scope(user, queryset, organization_field=organization_field)


def role_in(user: AnyUser, organization: Organization | int) -> str | None:
    """The user's role in an organization, or None when not a member."""
    if not user.is_authenticated:
        return None
    org_id = organization if isinstance(organization, int) else organization.pk
    return (
        Membership.objects.filter(user=user, organization_id=org_id)
        .values_list("role", flat=True)
        .first()
    )


def organizations_with_role(user: AnyUser, roles: Set[str]) -> QuerySet[Organization]:
    """Organizations in which the user holds one of the roles."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user, memberships__role__in=roles)


ADMIN_ROLES = {Role.ADMIN.value}


def vendor_list(*, user: AnyUser) -> QuerySet[Vendor]:
    """Vendors the user may see."""
    return scope_for_user(Vendor.objects.select_related("organization"), user)


# --- The KPI catalog: shipped KPIs (no organization) are everyone's, a custom KPI its own's ---
def kpi_list(*, user: AnyUser) -> QuerySet[KPIDefinition]:
    """The KPIs a user may see: the shipped ones and those of the user's organizations."""
    if not user.is_authenticated:
        return KPIDefinition.objects.none()
    return KPIDefinition.objects.select_related("organization").filter(
        Q(organization__isnull=True) | Q(organization__in=organizations_for(user).values("pk"))
    )


def kpi_catalog(*, organization: Organization | int | None) -> QuerySet[KPIDefinition]:
    """One organization's catalog: the shipped KPIs and its own (only the shipped for None)."""
    shipped = Q(organization__isnull=True)
    if organization is None:
        return KPIDefinition.objects.filter(shipped)
    org_id = organization if isinstance(organization, int) else organization.pk
    return KPIDefinition.objects.filter(shipped | Q(organization_id=org_id))


def kpi_by_code(*, organization: Organization | int | None = None) -> dict[str, KPIDefinition]:
    """One organization's catalog (the shipped KPIs alone for None) keyed by KPI code."""
    return {k.code: k for k in kpi_catalog(organization=organization)}


class KPICatalog:
    """Every organization's catalog at once, read in one query, for work across organizations."""

    def __init__(self, kpis: Iterator[KPIDefinition] | list[KPIDefinition]) -> None:
        self._shipped: dict[str, KPIDefinition] = {}
        self._own: dict[tuple[int, str], KPIDefinition] = {}
        for kpi in kpis:
            if kpi.organization_id is None:
                self._shipped[kpi.code] = kpi
            else:
                self._own[(kpi.organization_id, kpi.code)] = kpi

    def get(self, organization_id: int, code: str) -> KPIDefinition:
        """The KPI a code names in an organization; KeyError when it names none."""
        found = self._own.get((organization_id, code)) or self._shipped.get(code)
        if found is None:
            raise KeyError(code)
        return found

    def name(self, organization_id: int, code: str) -> str:
        """The KPI's name in an organization, or the code itself when it names none."""
        try:
            return self.get(organization_id, code).name
        except KeyError:
            return code


def kpi_catalogs() -> KPICatalog:
    """The whole catalog, every organization's view of it; an internal read, not scoped."""
    return KPICatalog(list(KPIDefinition.objects.all()))


def column_alias_headers(*, organization: Organization | int) -> dict[str, list[tuple[str, str]]]:
    """The normalised headers of an organization's column aliases: each (header, target)."""
    org_id = organization if isinstance(organization, int) else organization.pk
    found: dict[str, list[tuple[str, str]]] = {}
    for normalized, header, target in ColumnAlias.objects.filter(
        vendor__organization_id=org_id
    ).values_list("normalized", "header", "target"):
        found.setdefault(normalized, []).append((header, target))
    return found


def default_template() -> list[dict[str, Any]]:
    """SLA terms of the default template (domain.md section 2), in display order."""
    return [
        {
            "kpi": k,
            "benchmark": k.default_benchmark,
            "warning": k.default_warning,
            "weight": k.default_weight,
        }
        for k in KPIDefinition.objects.filter(in_default_template=True, organization__isnull=True)
    ]


def _contracts_with_terms() -> QuerySet[Contract]:
    return Contract.objects.select_related("vendor", "organization").prefetch_related(
        Prefetch("sla_terms", queryset=SLATerm.objects.select_related("kpi"))
    )


def contract_list(*, user: AnyUser) -> QuerySet[Contract]:
    """Contract versions the user may see, with their SLA terms and KPIs loaded once."""
    return scope_for_user(_contracts_with_terms(), user)


def contracts_for_period(*, period_start: dt.date, period_end: dt.date) -> QuerySet[Contract]:
    """Contract versions in force on any day of a period, across all organizations."""
    return (
        _contracts_with_terms()
        .filter(start_date__lte=period_end)
        .exclude(end_date__lt=period_start)
        .order_by("vendor_id", "-start_date")
    )


def in_force[C: Contract](
    contracts: Iterable[C], *, first_day: dt.date, last_day: dt.date
) -> C | None:
    """THE contract-in-force rule, pure: of one vendor's versions, the one in force on
    ``last_day``, or else the last one in force on some day from ``first_day`` (a version that
    ended within the span). For a date, both days are that date; for a period, its bounds."""
    found = None
    for c in contracts:
        overlaps = c.start_date <= last_day and (c.end_date is None or c.end_date >= first_day)
        if overlaps and (found is None or c.start_date > found.start_date):
            found = c
    return found


def contract_in_force(*, vendor: Vendor, on: dt.date) -> Contract | None:
    """The vendor's contract version in force on a date, or None."""
    candidates = (
        _contracts_with_terms().filter(vendor=vendor, start_date__lte=on).exclude(end_date__lt=on)
    )
    return in_force(candidates, first_day=on, last_day=on)


def contract_for_period(*, vendor: Vendor, period: str) -> Contract | None:
    """The vendor's contract version that governs a period (``in_force`` over its bounds)."""
    first_day, last_day = periods.period_bounds(period)
    candidates = (
        _contracts_with_terms()
        .filter(vendor=vendor, start_date__lte=last_day)
        .exclude(end_date__lt=first_day)
    )
    return in_force(candidates, first_day=first_day, last_day=last_day)


def vendor_by_slug(*, slug: str, organization_slug: str | None = None) -> Vendor:
    """Find a vendor by slug for the command line; ambiguous slugs need the organization.

    Raises ``Vendor.DoesNotExist`` or ``Vendor.MultipleObjectsReturned`` with a clear message.
    """
    qs = Vendor.objects.select_related("organization").filter(slug=slug)
    if organization_slug:
        qs = qs.filter(organization__slug=organization_slug)
    found = list(qs[:2])
    if not found:
        where = f" in organization {organization_slug!r}" if organization_slug else ""
        raise Vendor.DoesNotExist(f"No vendor with slug {slug!r}{where}.")
    if len(found) > 1:
        raise Vendor.MultipleObjectsReturned(
            f"Vendor slug {slug!r} exists in several organizations; pass --organization."
        )
    return found[0]


# --- Reads for the evaluation (scorecards engineer) ------------------------------------------
def contracts_for_vendors(*, vendor_ids: list[int] | None = None) -> list[Contract]:
    """Every contract version of the given vendors (all vendors when None) with its vendor,
    ordered by vendor and start date; an internal read for the evaluation, not scoped. Their SLA
    terms come from ``sla_term_data``."""
    qs = Contract.objects.select_related("vendor").order_by("vendor_id", "start_date", "version")
    if vendor_ids is not None:
        qs = qs.filter(vendor_id__in=vendor_ids)
    return list(qs)


SLA_TERM_DATA_FIELDS = (
    "benchmark",
    "warning",
    "weight",
    "minimum_volume",
    "kpi__code",
    "kpi__name",
    "kpi__unit",
    "kpi__direction",
    "kpi__volume_field",
    "kpi__formula",
    "kpi__source",
    "kpi__display_order",
)


def sla_term_data(*, vendor_ids: list[int] | None = None) -> dict[int, list[dict[str, Any]]]:
    """The SLA terms of the given vendors' contract versions (all when None) with their KPI
    definitions, as plain data by contract id, each contract's in the terms' order (KPI display
    order, then code); an internal read for the evaluation, not scoped."""
    qs = SLATerm.objects.order_by("contract_id", "kpi__display_order", "kpi__code")
    if vendor_ids is not None:
        qs = qs.filter(contract__vendor_id__in=vendor_ids)
    out: dict[int, list[dict[str, Any]]] = {}
    for contract_id, *row in _converted_rows(qs.values_list("contract_id", *SLA_TERM_DATA_FIELDS)):
        out.setdefault(contract_id, []).append(dict(zip(SLA_TERM_DATA_FIELDS, row, strict=True)))
    return out


def _converted_rows(qs: QuerySet[Any, Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset of plain fields, converted as Django converts them,
    but each distinct stored value of a column only once.

    Django runs the backend's converters on every value of every row (on SQLite, a Decimal built
    from each stored number); a large read repeats the same few thousand numbers. Values that are
    equal are converted alike: SQLite stores any number that equals an integer as that integer
    (so no -0.0 comes back to be taken for 0), and PostgreSQL needs no converter for these.
    """
    compiler = qs.query.get_compiler(using=qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return
    connection = compiler.connection
    converted: list[tuple[int, list[Any], Any, dict[Any, Any]]] = [
        (i, converters, expression, {})
        for i, (converters, expression) in compiler.get_converters(
            [expression for expression, _, _ in compiler.select]
        ).items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            if not converted:
                yield from rows
                continue
            columns: list[Any] = list(zip(*rows, strict=True))
            for i, converters, expression, seen in converted:
                for raw in set(columns[i]).difference(seen):
                    value = raw
                    for converter in converters:
                        value = converter(value, expression, connection)
                    seen[raw] = value
                columns[i] = map(seen.__getitem__, columns[i])
            yield from zip(*columns, strict=True)


# What ``current_report_data`` gives of each report value, in this order.
REPORT_VALUE_FIELDS = ("value", "stated_value", "recomputed_value", "insufficient_data", "volume")


def current_report_data(
    *,
    vendor_ids: list[int] | None = None,
    periods: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Current report versions as plain data, with values and findings, in three queries.

    Each item: ``id``, ``vendor_id``, ``organization_id``, ``period``, ``version``,
    ``received_at``, ``values`` (field -> tuple of the ``REPORT_VALUE_FIELDS``: value,
    stated_value, recomputed_value, insufficient_data, volume) and ``findings`` (list of dicts of
    code, field, message, stated, expected). Plain data keeps a large evaluation fast.
    ``since``/``until`` bound the periods (both included), so an incremental evaluation reads
    only the months it evaluates.
    """
    from .models import Report, ReportFinding, ReportValue

    reports = Report.objects.filter(is_current=True)
    if vendor_ids is not None:
        reports = reports.filter(vendor_id__in=vendor_ids)
    if periods is not None:
        reports = reports.filter(period__in=periods)
    if since is not None:
        reports = reports.filter(period__gte=since)
    if until is not None:
        reports = reports.filter(period__lte=until)
    out: dict[int, dict[str, Any]] = {}
    for rid, vendor_id, org_id, period, version, received_at in _converted_rows(
        reports.order_by("vendor_id", "period").values_list(
            "id", "vendor_id", "organization_id", "period", "version", "received_at"
        )
    ):
        out[rid] = {
            "id": rid,
            "vendor_id": vendor_id,
            "organization_id": org_id,
            "period": period,
            "version": version,
            "received_at": received_at,
            "values": {},
            "findings": [],
        }
    values = ReportValue.objects.filter(report__in=reports).values_list(
        "report_id", "field", *REPORT_VALUE_FIELDS
    )
    values_of = {rid: report["values"] for rid, report in out.items()}
    for row in _converted_rows(values):
        values_of[row[0]][row[1]] = row[2:]
    findings = (
        ReportFinding.objects.filter(report__in=reports)
        .order_by("report_id", "id")
        .values_list("report_id", "code", "field", "message", "stated", "expected")
    )
    for rid, code, field, message, stated, expected in findings:
        out[rid]["findings"].append(
            {
                "code": code,
                "field": field,
                "message": message,
                "stated": stated,
                "expected": expected,
            }
        )
    return list(out.values())


def member_emails(*, organization_id: int, roles: set[str]) -> list[str]:
    """E-mail addresses of an organization's members holding one of the roles, sorted."""
    return sorted(
        {
            email
            for email in Membership.objects.filter(
                organization_id=organization_id, role__in=roles
            ).values_list("user__email", flat=True)
            if email
        }
    )


# --- Reports (ingestion) ---------------------------------------------------------------------
def report_list(*, user: AnyUser) -> QuerySet[Report]:
    """Report versions the user may see, with upload, values, findings and denials loaded once."""
    return scope_for_user(
        with_submitter(
            Report.objects.select_related("vendor", "organization", "upload").prefetch_related(
                "values__kpi", "findings", "denials"
            )
        ),
        user,
    )


def with_submitter(reports: QuerySet[Report]) -> QuerySet[Report]:
    """Reports with who submitted them (``upload.uploaded_by``) and that person's role in the
    report's organization (``submitted_role``; None once no longer a member), in one query."""
    role = Membership.objects.filter(
        user=OuterRef("upload__uploaded_by"), organization=OuterRef("organization")
    ).values("role")[:1]
    return reports.select_related("upload__uploaded_by").annotate(submitted_role=Subquery(role))


def column_alias_list(*, user: AnyUser) -> QuerySet[ColumnAlias]:
    """Column aliases of the vendors the user may see."""
    return scope_for_user(
        ColumnAlias.objects.select_related("vendor"),
        user,
        organization_field="vendor__organization",
    )


def member_emails_by_organization(
    *, organization_ids: list[int], roles: set[str]
) -> dict[int, list[str]]:
    """E-mail addresses of members holding one of the roles, by organization id, in one query."""
    found: dict[int, set[str]] = {org_id: set() for org_id in organization_ids}
    for org_id, email in Membership.objects.filter(
        organization_id__in=organization_ids, role__in=roles
    ).values_list("organization_id", "user__email"):
        if email:
            found[org_id].add(email)
    return {org_id: sorted(emails) for org_id, emails in found.items()}


@dataclass(frozen=True)
class Recipient:
    """A member to notify: the user, and the e-mail address ("" without one)."""

    user_id: int
    email: str


def members_to_notify(
    *, organization_ids: list[int], roles: set[str]
) -> dict[int, list[Recipient]]:
    """Active members holding one of the roles, by organization id, in one query."""
    found: dict[int, list[Recipient]] = {org_id: [] for org_id in organization_ids}
    for org_id, user_id, email in (
        Membership.objects.filter(
            organization_id__in=organization_ids, role__in=roles, user__is_active=True
        )
        .order_by("user_id")
        .values_list("organization_id", "user_id", "user__email")
    ):
        found[org_id].append(Recipient(user_id=user_id, email=email or ""))
    return found


def vendors_lock(*, vendor_ids: list[int] | None = None) -> None:
    """Hold the vendors' rows (all vendors when None) until the transaction ends, so that two
    evaluations of the same vendor run one after the other (no-op lock on SQLite, whose writers
    already queue)."""
    qs = Vendor.objects.select_for_update().order_by("pk")
    if vendor_ids is not None:
        qs = qs.filter(pk__in=vendor_ids)
    list(qs.values_list("pk", flat=True))


# --- Holidays and pending re-scoring --------------------------------------------------------
def holidays_by_organization(*, organization_ids: Iterable[int]) -> dict[int, frozenset[dt.date]]:
    """Each organization's holidays (days that are not business days), in one query."""
    found: dict[int, set[dt.date]] = {org_id: set() for org_id in organization_ids}
    for org_id, day in Holiday.objects.filter(organization_id__in=list(found)).values_list(
        "organization_id", "date"
    ):
        found[org_id].add(day)
    return {org_id: frozenset(days) for org_id, days in found.items()}


def holidays_of(*, organization_id: int) -> frozenset[dt.date]:
    """One organization's holidays."""
    return holidays_by_organization(organization_ids=[organization_id])[organization_id]


def rescoring_vendor_ids(*, organization_id: int | None = None) -> set[int]:
    """Vendors with re-scoring still pending (pages and API show "re-scoring...")."""
    qs = PendingRescore.objects.all()
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    return set(qs.values_list("vendor_id", flat=True).distinct())


def rescoring_reasons(*, vendor_id: int) -> list[str]:
    """What is still being re-scored for a vendor: each pending change's reason, once, oldest
    first (empty when nothing is pending)."""
    reasons = PendingRescore.objects.filter(vendor_id=vendor_id).order_by("id")
    return list(dict.fromkeys(reasons.values_list("reason", flat=True)))


def pending_rescores(
    *, ids: list[int] | None = None, vendor_ids: list[int] | None = None
) -> list[tuple[int, int]]:
    """(row id, vendor id) of pending re-scoring rows (the given ones, or of the given vendors,
    or all), oldest first."""
    qs = PendingRescore.objects.order_by("id")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if vendor_ids is not None:
        qs = qs.filter(vendor_id__in=vendor_ids)
    return list(qs.values_list("pk", "vendor_id"))


def pending_rescore_starts(*, vendor_ids: list[int] | None = None) -> dict[int, str]:
    """The first period each vendor's pending re-scoring rows affect ("" = from the start)."""
    qs = PendingRescore.objects.order_by()
    if vendor_ids is not None:
        qs = qs.filter(vendor_id__in=vendor_ids)
    starts: dict[int, str] = {}
    for vendor_id, period in qs.values_list("vendor_id", "from_period"):
        starts[vendor_id] = min(starts.get(vendor_id, period), period)
    return starts


# --- Audit trail -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditFilter:
    """A validated filter of the audit trail: record type (and id), actor, since when."""

    record_type: str | None = None
    record_id: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None


def audit_filter_parse(params: Mapping[str, str]) -> AuditFilter:
    """Read ``record`` (``type`` or ``type:id``), ``actor`` (username, user id, or ``system``)
    and ``since`` (``YYYY-MM-DD`` or ISO 8601 date and time); ``ValidationError`` per field."""
    errors: dict[str, str] = {}
    record_type = record_id = None
    record = (params.get("record") or "").strip()
    if record:
        record_type, _, record_id = record.partition(":")
        if record_type not in AuditRecordType.values:
            errors["record"] = (
                f"Unknown record type {record_type!r}; write type or type:id, the type one of "
                f"{', '.join(AuditRecordType.values)} (e.g. contract:12)."
            )
        elif ":" in record and not record_id.isdigit():
            errors["record"] = f"The record id must be a whole number, as in {record_type}:12."
    since = None
    text = (params.get("since") or "").strip()
    if text:
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                since = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            else:
                since = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if timezone.is_naive(since):
                    since = timezone.make_aware(since)
        except ValueError:
            errors["since"] = (
                f"{text!r} is not a date; write YYYY-MM-DD (2026-11-30) or an ISO 8601 date and "
                "time (2026-11-30T08:00:00Z)."
            )
    actor = (params.get("actor") or "").strip() or None
    if errors:
        raise ValidationError(errors)
    return AuditFilter(
        record_type=record_type or None, record_id=record_id or None, actor=actor, since=since
    )


def audit_events(*, organization_ids: Iterable[int], where: AuditFilter) -> QuerySet[AuditEvent]:
    """Audit events of the organizations, newest first, filtered; the actor's name is stored
    on each row, so a page of them is one query whatever its size."""
    qs = AuditEvent.objects.filter(organization_id__in=list(organization_ids))
    if where.record_type:
        qs = qs.filter(record_type=where.record_type)
    if where.record_id:
        qs = qs.filter(record_id=where.record_id)
    if where.actor == "system":
        qs = qs.filter(actor__isnull=True, actor_name="")
    elif where.actor and where.actor.isdigit():
        qs = qs.filter(actor_id=int(where.actor))
    elif where.actor:
        qs = qs.filter(Q(actor__username=where.actor) | Q(actor_name=where.actor))
    if where.since:
        qs = qs.filter(at__gte=where.since)
    return qs.order_by("-at", "-id")
