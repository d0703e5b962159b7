"""Storing vendor KPI reports: one write path for CSV and XLSX files from the CLI, API and demo.

A file is read and checked by the pure ``vendors.ingest`` modules; if anything is wrong nothing
is stored and every error is raised at once (``FileRefused``, capped at the first
``REPORT_MAX_ERRORS_SHOWN`` with a count of the rest). An upload is for one vendor unless it is a
multi-vendor upload, and stores only finished months that a contract of the vendor covers
(``vendors.ingest.scope``). Otherwise, in one transaction with the vendors' rows locked, each
vendor-period becomes a new current ``Report`` version (the previous one is superseded and kept),
with its values, findings and denial breakdown, and its evaluation is queued after commit. The
same bytes sent again for the same vendor, period and sheet change nothing (a unique constraint
on the upload's scope); for another vendor or period they are that one's report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from itertools import batched
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from vendors import bulk, periods, policy, selectors
from vendors.ingest import scope
from vendors.ingest.checks import (
    Evaluation,
    evaluate_columns,
    evaluate_records,
    impossible_numbers,
)
from vendors.ingest.errors import FileError, FileRefused
from vendors.ingest.formulas import FormulaError, compile_formula
from vendors.ingest.headers import AliasSpec, HeaderMatcher, KPISpec
from vendors.ingest.reading import CONTROL_CHARACTERS, Limits, read_sheet
from vendors.ingest.table import Denial, ParsedFile, Record, parse_sheet
from vendors.ingest.values import DECIMAL_MARKS, CellError, parse_period
from vendors.models import (
    ColumnAlias,
    Contract,
    DenialBreakdown,
    Organization,
    Report,
    ReportFinding,
    ReportSource,
    ReportUpload,
    ReportValue,
    SLATerm,
    Vendor,
)

from .rescore import rescore_request

STORED_DECIMALS = Decimal("0.000001")  # ReportValue keeps six decimals
BATCH_SIZE = 5000
ATTEMPTS = 3  # a concurrent upload of the same period is retried after an integrity error


@dataclass
class IngestResult:
    """What a file did: the report versions it stored, or that it was already received."""

    upload: ReportUpload
    report_ids: list[int] = field(default_factory=list)  # in the order stored
    duplicate: bool = False
    notes: list[FileError] = field(default_factory=list)  # rows skipped (totals, footnotes)

    @cached_property
    def reports(self) -> list[Report]:
        """The report versions, with their vendors, in the order stored (read when first asked:
        a network file stores 10,000, and most callers need only their ids)."""
        found = Report.objects.select_related("vendor").in_bulk(self.report_ids)
        return [found[pk] for pk in self.report_ids]

    def summary(self) -> str:
        """One line for people: what was stored, or why nothing was."""
        if self.duplicate:
            return (
                f"{self.upload.file_name}: this exact file was already received on "
                f"{self.upload.received_at:%Y-%m-%d %H:%M}; nothing changed."
            )
        stored = Report.objects.filter(upload=self.upload)  # the reports this file stored
        rows = list(stored.values_list("period", "vendor__slug", "version"))
        periods = sorted({period for period, _, _ in rows})
        span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
        vendors = sorted({slug for _, slug, _ in rows})
        superseded = sum(1 for _, _, version in rows if version > 1)
        return (
            f"{self.upload.file_name}: stored {len(self.report_ids)} report(s) for "
            f"{', '.join(vendors)} ({span}); {superseded} supersede an earlier version."
        )


def _already_received(upload: ReportUpload) -> IngestResult:
    ids = list(upload.reports.order_by("pk").values_list("pk", flat=True))
    return IngestResult(upload, ids, duplicate=True)


def limits_from_settings() -> Limits:
    """The file limits configured for this installation."""
    return Limits(
        max_bytes=settings.REPORT_MAX_UPLOAD_BYTES,
        max_rows=settings.REPORT_MAX_ROWS,
        max_zip_entries=getattr(settings, "REPORT_XLSX_MAX_ENTRIES", Limits.max_zip_entries),
        max_uncompressed_bytes=getattr(
            settings, "REPORT_XLSX_MAX_UNCOMPRESSED_BYTES", Limits.max_uncompressed_bytes
        ),
        max_compression_ratio=getattr(
            settings, "REPORT_XLSX_MAX_COMPRESSION_RATIO", Limits.max_compression_ratio
        ),
        max_xlsx_rows=settings.REPORT_XLSX_MAX_ROWS,
        max_columns=settings.REPORT_MAX_COLUMNS,
        max_xlsx_cells=settings.REPORT_XLSX_MAX_CELLS,
    )


def kpi_specs(organization: Organization | int) -> list[KPISpec]:
    """The organization's catalog (the shipped KPIs and its own) as ingestion needs it; no
    other organization's KPI, alias or raw field is ever read."""
    return [
        KPISpec(
            code=k.code,
            name=k.name,
            unit=k.unit,
            formula=k.formula,
            volume_field=k.volume_field,
            aliases=tuple(k.aliases or ()),
            raw_fields=k.raw_field_pairs(),
        )
        for k in selectors.kpi_catalog(organization=organization)
    ]


def _ingest_specs(organization: Organization) -> list[KPISpec]:
    """``kpi_specs`` for an upload, each formula compiled first: a catalog entry saved before
    formulas were checked (or past the services) refuses the file with a message, never a 500."""
    kpis = kpi_specs(organization)
    errors = []
    for kpi in kpis:
        try:
            if kpi.formula:
                compile_formula(kpi.formula)
        except FormulaError as exc:
            errors.append(
                FileError(
                    None,
                    kpi.code,
                    f"the catalog's formula of {kpi.code} cannot be used ({exc}); an "
                    "administrator must correct the KPI before reports can be read",
                )
            )
    if errors:
        raise FileRefused(errors)
    return kpis


def _source_for(file_name: str, content: bytes) -> str:
    return ReportSource.XLSX if content.startswith(b"PK") else ReportSource.CSV


def _vendor_ref(vendor: Vendor) -> scope.VendorRef:
    return scope.VendorRef(vendor.pk, vendor.slug, vendor.name)


def _resolve_vendors(
    parsed: ParsedFile, organization: Organization, vendor: Vendor | None, multi_vendor: bool
) -> tuple[dict[str | None, Vendor], list[FileError]]:
    """Map each vendor key of the file (slug or name) to the vendor its rows may be stored for:
    the upload's own vendor, or for a multi-vendor upload a vendor of the organization."""
    keys = [(r.vendor_key, r.row) for r in parsed.records]
    keys += [(d.vendor_key, d.row) for d in parsed.denials]
    named = any(key is not None for key, _ in keys)
    candidates = list(Vendor.objects.filter(organization=organization)) if multi_vendor else []
    if not named:
        candidates = []
    ids, errors = scope.resolve_vendors(
        keys,
        candidates=[_vendor_ref(v) for v in candidates],
        upload_vendor=_vendor_ref(vendor) if vendor is not None else None,
        multi_vendor=multi_vendor,
        organization_name=organization.name,
        column=parsed.headers.get("vendor", "vendor"),
    )
    by_pk = {v.pk: v for v in candidates}
    if vendor is not None:
        by_pk[vendor.pk] = vendor
    return {key: by_pk[pk] for key, pk in ids.items()}, errors


def today_for(organization: Organization) -> dt.date:
    """Today's date where the organization is (settings.TIME_ZONE: organizations have no time
    zone of their own yet)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _period_errors(
    parsed: ParsedFile, vendors: dict[str | None, Vendor], today: dt.date
) -> list[FileError]:
    """Vendor-periods of the file that have not ended or that no contract of the vendor covers."""
    lines: list[Record | Denial] = [*parsed.records, *parsed.denials]
    items = [(vendors[x.vendor_key].pk, x.period, x.row) for x in lines if x.vendor_key in vendors]
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    vendor_ids = sorted({v.pk for v in vendors.values()})
    for contract in selectors.contracts_for_vendors(vendor_ids=vendor_ids):
        spans[contract.vendor_id].append((contract.start_date, contract.end_date))
    return scope.period_errors(
        items,
        today=today,
        contract_spans=spans,
        vendor_names={v.pk: v.name for v in vendors.values()},
        column=parsed.headers.get("period", "period"),
    )


def _minimum_volumes(
    keys: Sequence[tuple[Vendor, str]],
) -> list[dict[str, int]]:
    """Minimum volume per KPI for each (vendor, period), from the contract in force then."""
    vendor_ids = {v.pk for v, _ in keys}
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for contract in (
        Contract.objects.filter(vendor_id__in=vendor_ids)
        .prefetch_related(Prefetch("sla_terms", queryset=SLATerm.objects.select_related("kpi")))
        .order_by("-start_date")
    ):
        contracts[contract.vendor_id].append(contract)
    none: dict[str, int] = {}
    minimums: dict[int, dict[str, int]] = {}  # by contract: the same for each of its periods
    out = []
    for vendor, period in keys:
        in_force = next(
            (
                c
                for c in contracts.get(vendor.pk, ())
                if periods.overlaps(period, c.start_date, c.end_date)
            ),
            None,
        )
        if in_force is None:
            out.append(none)
        else:
            if in_force.pk not in minimums:
                minimums[in_force.pk] = {
                    t.kpi.code: t.minimum_volume for t in in_force.sla_terms.all()
                }
            out.append(minimums[in_force.pk])
    return out


def _read(
    *,
    content: bytes,
    file_name: str,
    organization: Organization,
    vendor: Vendor | None,
    multi_vendor: bool,
    period: str | None,
    sheet: str | None,
    kpis: list[KPISpec],
    today: dt.date,
    decimal_mark: str | None = None,
) -> tuple[ParsedFile, dict[str | None, Vendor]]:
    """Parse the file; raise FileRefused with every error (and would-be findings) if any.

    The numbers are read by the upload's declared decimal mark, else the vendor's, else none.
    """
    errors: list[FileError] = []
    period = _declared_period(period)
    if decimal_mark and decimal_mark not in DECIMAL_MARKS:
        raise FileRefused(
            [
                FileError(
                    None,
                    "decimal_mark",
                    f"The decimal mark must be '.' or ','; got {decimal_mark!r}.",
                )
            ]
        )
    declared = decimal_mark or (vendor.decimal_mark if vendor is not None else "") or None
    aliases: list[AliasSpec] = []
    if vendor is not None:
        aliases = [
            AliasSpec(a.header, a.target, a.scale)
            for a in ColumnAlias.objects.filter(vendor=vendor)
        ]
    table = read_sheet(
        content, file_name=file_name, limits=limits_from_settings(), sheet=sheet or None
    )
    parsed = parse_sheet(table, HeaderMatcher(kpis, aliases), period=period, decimal_mark=declared)
    errors.extend(parsed.errors)
    errors.extend(impossible_numbers(parsed.records, kpis, parsed.headers))
    vendors: dict[str | None, Vendor] = {}
    if parsed.layout:
        vendors, vendor_errors = _resolve_vendors(parsed, organization, vendor, multi_vendor)
        errors.extend(vendor_errors)
        errors.extend(_text_length_errors(parsed))
        errors.extend(_period_errors(parsed, vendors, today))
    if not errors and not parsed.records and not parsed.denials:
        errors.append(FileError(None, None, "The file has a header row but no data rows."))
    if errors:
        # Tell the whole story: what would also have been flagged, had the file been readable
        # (for the rows shown: a refusal lists the first REPORT_MAX_ERRORS_SHOWN of each).
        shown = parsed.records[: settings.REPORT_MAX_ERRORS_SHOWN]
        outcomes = evaluate_records(shown, kpis)
        findings = [
            FileError(record.row, f.field, f.message)
            for record, outcome in zip(shown, outcomes, strict=True)
            for f in outcome.findings
        ]
        errors.sort(key=lambda e: (e.row is not None, e.row or 0))
        raise FileRefused(errors, findings)
    return parsed, vendors


STORED_LIMIT = Decimal(10) ** 18  # ReportValue: 24 digits, six of them decimals


def _unstorable(records: Sequence[Record], evaluation: Evaluation) -> list[FileError]:
    """A recomputed value too large to store (a custom formula over large amounts, say) is an
    error of its row, never a failed upload or a number cut short."""
    return [
        FileError(
            record.row,
            column.code,
            f"{column.code} recomputed from the raw fields is {value:.6E}, too large to store "
            f"(below {STORED_LIMIT:.0E}); check the raw fields or the KPI's formula",
        )
        for column in evaluation.kpis
        for record, value in zip(records, column.recomputed, strict=True)
        if value is not None and abs(value) >= STORED_LIMIT
    ]


def _text_length_errors(parsed: ParsedFile) -> list[FileError]:
    """A breakdown's text longer than its column holds (PostgreSQL would refuse the insert)."""
    errors = []
    for name in ("payer", "denial_reason"):
        field = DenialBreakdown._meta.get_field(name)
        limit = getattr(field, "max_length", None) or 0
        column = parsed.headers.get(name, name)
        for line in parsed.denials:
            text = getattr(line, name)
            if len(text) > limit:
                errors.append(
                    FileError(
                        line.row,
                        column,
                        f"the text is {len(text):,} characters long; at most {limit} are kept, "
                        "so shorten it",
                    )
                )
    return errors


def _declared_period(period: str | None) -> str | None:
    """The period the upload declares, as ``YYYY-MM`` (None when it declares none)."""
    if not period:
        return None
    try:
        return parse_period(period)
    except CellError as exc:
        raise FileRefused([FileError(None, "period", str(exc))]) from None


def _capped(exc: FileRefused) -> FileRefused:
    return exc.capped(settings.REPORT_MAX_ERRORS_SHOWN)


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(STORED_DECIMALS, rounding=ROUND_HALF_UP)


def _insert_values(
    report_ids: list[int], evaluation: Evaluation, organization: Organization
) -> None:
    """Store every report's values: per report, its KPIs in catalog order, then its raw counts.

    A recomputed value is stored rounded to six decimals, and evaluated as stored; stated values
    are stored as written.
    """
    kpi_ids = dict(selectors.kpi_catalog(organization=organization).values_list("code", "pk"))
    columns: list[list[Any]] = []
    groups: list[tuple[dict[str, Any], int]] = []
    flags: list[list[bool | None]] = []
    at = bulk.Param
    for kpi in evaluation.kpis:
        recomputed = [_q(v) for v in kpi.recomputed]
        value = [v if r is None else r for r, v in zip(recomputed, kpi.value, strict=True)]
        if value == recomputed:  # every value recomputed (the same objects): sent once
            value = recomputed
        # KPIs mostly share one pattern of flags (all False, say): that list is sent once.
        insufficient = next((f for f in flags if f == kpi.insufficient), kpi.insufficient)
        if insufficient is kpi.insufficient:
            flags.append(insufficient)
        i = len(columns)
        columns += [kpi.stated, recomputed, value, insufficient, kpi.volume]
        mapping = {
            "field": kpi.code,
            "kpi": kpi_ids.get(kpi.code),
            "stated_value": at(i),
            "recomputed_value": at(i + 1),
            "value": at(i + 2),
            "insufficient_data": at(i + 3),
            "volume": at(i + 4),
        }
        groups.append((mapping, i + 3))  # no row where insufficient is None: no value
    for name, values in evaluation.raw:
        i = len(columns)
        columns.append(values)
        mapping = {
            "field": name,
            "kpi": None,
            "stated_value": at(i),
            "recomputed_value": None,
            "value": at(i),
            "insufficient_data": False,
            "volume": None,
        }
        groups.append((mapping, i))
    bulk.insert_unpivoted(ReportValue, "report", report_ids, columns, groups)


@dataclass
class PreviewRow:
    """One vendor-period the file would store: its values and findings, and what it replaces."""

    vendor: Vendor
    period: str
    row: int
    values: list[Any]
    findings: list[Any]
    replaces: int | None


@dataclass
class Preview:
    """What a file holds, read by the ingestion services; nothing is stored."""

    file_name: str
    rows: list[PreviewRow]
    denials: list[Any]
    notes: list[FileError] = field(default_factory=list)  # rows skipped (totals, footnotes)


def report_preview(
    *,
    organization: Organization,
    content: bytes,
    file_name: str,
    vendor: Vendor | None,
    period: str | None,
    multi_vendor: bool = False,
    decimal_mark: str | None = None,
    submitter: Any = None,
) -> Preview:
    """Parse and check a file exactly as ``report_ingest`` would, without storing anything.

    Raises ``FileRefused`` with the errors by row and column (the first
    ``REPORT_MAX_ERRORS_SHOWN``, and a count of the rest). ``submitter``: as ``uploaded_by``.
    """
    submitter_check(
        organization=organization, vendor=vendor, multi_vendor=multi_vendor, submitter=submitter
    )
    kpis = _ingest_specs(organization)
    try:
        parsed, vendors = _read(  # the same parse as report_ingest
            content=content,
            file_name=file_name,
            organization=organization,
            vendor=vendor,
            multi_vendor=multi_vendor,
            period=period,
            sheet=None,
            kpis=kpis,
            today=today_for(organization),
            decimal_mark=decimal_mark,
        )
    except FileRefused as exc:
        raise _capped(exc) from None
    # Checked as report_ingest checks them: each period's minimum volumes and denial breakdown.
    owners = [(vendors[r.vendor_key], r.period) for r in parsed.records]
    denials = {
        i: [d for d in parsed.denials if (d.vendor_key, d.period) == (r.vendor_key, r.period)]
        for i, r in enumerate(parsed.records)
    }
    outcomes = evaluate_records(
        parsed.records,
        kpis,
        minimum_volumes=_minimum_volumes(owners),
        denials={i: lines for i, lines in denials.items() if lines},
    )
    current = {
        (r.vendor_id, r.period): r.version
        for r in Report.objects.filter(
            vendor__in=[v.pk for v in vendors.values()], is_current=True
        ).only("vendor_id", "period", "version")
    }
    rows = []
    for record, outcome in zip(parsed.records, outcomes, strict=True):
        owner = vendors[record.vendor_key]
        rows.append(
            PreviewRow(
                vendor=owner,
                period=record.period,
                row=record.row,
                values=outcome.values,
                findings=outcome.findings,
                replaces=current.get((owner.pk, record.period)),
            )
        )
    return Preview(file_name=file_name, rows=rows, denials=list(parsed.denials), notes=parsed.notes)


def report_ingest(
    *,
    organization: Organization,
    content: bytes,
    file_name: str,
    vendor: Vendor | None = None,
    period: str | None = None,
    sheet: str | None = None,
    received_at: dt.datetime | None = None,
    uploaded_by: Any = None,
    source: str | None = None,
    multi_vendor: bool = False,
    decimal_mark: str | None = None,
) -> IngestResult:
    """Store a report file (CSV or XLSX) as new report versions, or refuse it whole.

    ``vendor`` is the vendor the upload is for: a ``vendor`` column must name it. With
    ``multi_vendor`` the file's vendor column names each row's vendor (any vendor of
    ``organization``) and ``vendor`` may be None. ``period`` (``YYYY-MM``) is required when the
    file has no period column, and must match it otherwise; ``decimal_mark`` (``.`` or ``,``)
    declares how the file writes decimals, over the vendor's; only finished months that a contract
    of the vendor covers are stored. ``received_at`` defaults to now. The same bytes already
    received for the same vendor, period and sheet change nothing. Raises ``FileRefused`` with the
    errors by row and column (the first ``REPORT_MAX_ERRORS_SHOWN``, and a count of the rest).
    """
    submitter_check(
        organization=organization, vendor=vendor, multi_vendor=multi_vendor, submitter=uploaded_by
    )
    try:
        return _ingest(
            organization=organization,
            content=content,
            file_name=file_name,
            vendor=vendor,
            period=period,
            sheet=sheet,
            received_at=received_at,
            uploaded_by=uploaded_by,
            source=source,
            multi_vendor=multi_vendor,
            decimal_mark=decimal_mark,
        )
    except FileRefused as exc:
        raise _capped(exc) from None


def submitter_check(
    *, organization: Organization, vendor: Vendor | None, multi_vendor: bool, submitter: Any
) -> None:
    """A vendor user submits for its own vendor only: a multi-vendor file, or a file for another
    vendor, is refused (``FileRefused``) before it is read. Others are not restricted here."""
    if submitter is None:
        return
    own = policy.vendor_of(submitter, organization.pk)
    if own is None:
        return
    if multi_vendor or vendor is None:
        raise FileRefused(
            [
                FileError(
                    None,
                    "multi_vendor",
                    "A vendor user submits reports for its own vendor only: a file covering "
                    "several vendors is refused; upload it for your vendor.",
                )
            ]
        )
    if vendor.pk != own:
        raise FileRefused(
            [
                FileError(
                    None,
                    "vendor",
                    f"A vendor user submits reports for its own vendor only, not for "
                    f"{vendor.slug!r}.",
                )
            ]
        )


@dataclass(frozen=True)
class _Scope:
    """What an upload is for: its vendor (None: multi-vendor), period ("" when the file covers
    several) and sheet ("" = the first); with the file's SHA-256 the key of "already received"."""

    vendor: Vendor | None
    period: str
    sheet: str

    def lookup(self, organization: Organization, sha256: str) -> ReportUpload | None:
        """The upload of these bytes for this scope, if one was stored."""
        found = ReportUpload.objects.filter(
            organization=organization, sha256=sha256, period=self.period, sheet=self.sheet
        )
        if self.vendor is None:
            return found.filter(multi_vendor=True).first()
        return found.filter(vendor=self.vendor).first()


def _ingest(
    *,
    organization: Organization,
    content: bytes,
    file_name: str,
    vendor: Vendor | None,
    period: str | None,
    sheet: str | None,
    received_at: dt.datetime | None,
    uploaded_by: Any,
    source: str | None,
    multi_vendor: bool,
    decimal_mark: str | None,
) -> IngestResult:
    if vendor is not None and vendor.organization_id != organization.pk:
        raise FileRefused(
            [FileError(None, "vendor", "The vendor belongs to another organization.")]
        )
    if vendor is None and not multi_vendor:
        raise FileRefused(
            [
                FileError(
                    None,
                    "vendor",
                    "name the vendor this upload is for, or send the file as a multi-vendor "
                    "upload (its vendor column then names each row's vendor)",
                )
            ]
        )
    received_at = received_at or timezone.now()
    # A control character (NUL above all) cannot be stored in PostgreSQL text.
    file_name = posixpath.basename(file_name.replace("\\", "/"))
    file_name = CONTROL_CHARACTERS.sub("", file_name)[:255] or "report"
    if sheet is not None and (len(sheet) > 255 or CONTROL_CHARACTERS.search(sheet)):
        raise FileRefused([FileError(None, "sheet", "The sheet name is not a sheet name.")])
    limits = limits_from_settings()
    if len(content) > limits.max_bytes:
        read_sheet(content, file_name=file_name, limits=limits, sheet=sheet)  # raises the limit
    sha256 = hashlib.sha256(content).hexdigest()
    owner = None if multi_vendor else vendor
    declared = _declared_period(period)
    is_xlsx = _source_for(file_name, content) == ReportSource.XLSX
    sheet_key = (sheet or "") if is_xlsx else ""
    if declared is not None:  # these bytes for this declared scope: no need to read them again
        existing = _Scope(owner, declared, sheet_key).lookup(organization, sha256)
        if existing is not None:
            return _already_received(existing)
    with bulk.collector_paused():
        return _read_and_store(
            organization=organization,
            content=content,
            file_name=file_name,
            vendor=vendor,
            owner=owner,
            multi_vendor=multi_vendor,
            period=declared,
            sheet=sheet,
            sheet_key=sheet_key,
            sha256=sha256,
            received_at=received_at,
            uploaded_by=uploaded_by,
            source=source,
            decimal_mark=decimal_mark,
        )


def _read_and_store(
    *,
    organization: Organization,
    content: bytes,
    file_name: str,
    vendor: Vendor | None,
    owner: Vendor | None,
    multi_vendor: bool,
    period: str | None,
    sheet: str | None,
    sheet_key: str,
    sha256: str,
    received_at: dt.datetime,
    uploaded_by: Any,
    source: str | None,
    decimal_mark: str | None = None,
) -> IngestResult:
    kpis = _ingest_specs(organization)
    parsed, vendors = _read(
        content=content,
        file_name=file_name,
        organization=organization,
        vendor=vendor,
        multi_vendor=multi_vendor,
        period=period,
        sheet=sheet,
        kpis=kpis,
        today=today_for(organization),
        decimal_mark=decimal_mark,
    )
    # The scope's period is the one period the file covers: the declared one, or its column's.
    covered = {r.period for r in parsed.records} | {d.period for d in parsed.denials}
    upload_scope = _Scope(owner, covered.pop() if len(covered) == 1 else "", sheet_key)
    existing = upload_scope.lookup(organization, sha256)
    if existing is not None:
        return _already_received(existing)
    for attempt in range(ATTEMPTS):
        try:
            result = _store(
                organization=organization,
                parsed=parsed,
                vendors=vendors,
                kpis=kpis,
                content=content,
                file_name=file_name,
                sha256=sha256,
                upload_scope=upload_scope,
                received_at=received_at,
                uploaded_by=uploaded_by,
                source=source or _source_for(file_name, content),
            )
            if not result.duplicate:
                result.notes = parsed.notes
            return result
        except IntegrityError:
            # Another upload committed first (same file, or the same period): look again.
            existing = upload_scope.lookup(organization, sha256)
            if existing is not None:
                return _already_received(existing)
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def _store(
    *,
    organization: Organization,
    parsed: ParsedFile,
    vendors: dict[str | None, Vendor],
    kpis: list[KPISpec],
    content: bytes,
    file_name: str,
    sha256: str,
    upload_scope: _Scope,
    received_at: dt.datetime,
    uploaded_by: Any,
    source: str,
) -> IngestResult:
    # Lock the vendors' rows (in id order, so two uploads cannot deadlock): uploads for the same
    # vendor queue here, and each sees the versions the previous one committed.
    vendor_ids = sorted({v.pk for v in vendors.values()})
    list(
        Vendor.objects.select_for_update()
        .filter(pk__in=vendor_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    existing = upload_scope.lookup(organization, sha256)
    if existing is not None:
        return _already_received(existing)

    # One entry per vendor-period: the file's values and/or breakdown.
    keyed_records: dict[tuple[int, str], Record] = {}
    for record in parsed.records:
        keyed_records[(vendors[record.vendor_key].pk, record.period)] = record
    keyed_denials: dict[tuple[int, str], list[Denial]] = defaultdict(list)
    for line in parsed.denials:
        keyed_denials[(vendors[line.vendor_key].pk, line.period)].append(line)
    keys = list(dict.fromkeys([*keyed_records, *keyed_denials]))
    periods = sorted({p for _, p in keys})
    vendor_by_id = {v.pk: v for v in vendors.values()}

    wanted = set(keys)
    previous = {
        (vendor_id, period): pk
        for pk, vendor_id, period in Report.objects.filter(
            vendor_id__in=vendor_ids, period__in=periods, is_current=True
        ).values_list("pk", "vendor_id", "period")
        if (vendor_id, period) in wanted
    }
    latest_version = {
        (row["vendor_id"], row["period"]): row["latest"]
        for row in Report.objects.filter(vendor_id__in=vendor_ids, period__in=periods)
        .values("vendor_id", "period")
        .annotate(latest=Max("version"))
    }

    # A file replaces the parts it holds and keeps the others: a breakdown-only file carries the
    # current version's values forward, and a KPI file keeps the current breakdown.
    carry_values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    # (Joined on the current reports rather than a list of ids: a file may hold 10,000 periods.)
    current = {"report__vendor_id__in": vendor_ids, "report__period__in": periods}
    need_values = {previous[k] for k in keys if k not in keyed_records and k in previous}
    if need_values:
        for report_id, name, stated in ReportValue.objects.filter(
            **current, report__is_current=True, stated_value__isnull=False
        ).values_list("report_id", "field", "stated_value"):
            if report_id in need_values and stated is not None:
                carry_values[report_id][name] = stated
    carry_denials: dict[int, list[Denial]] = defaultdict(list)
    need_denials = {previous[k] for k in keys if k not in keyed_denials and k in previous}
    for report_id, payer, reason, count, amount in DenialBreakdown.objects.filter(
        **current, report__is_current=True
    ).values_list("report_id", "payer", "denial_reason", "claims_denied", "amount_denied"):
        if report_id in need_denials:
            carry_denials[report_id].append(Denial(None, "", payer, reason, count, amount, 0))
    records: list[Record] = []
    denials: list[list[Denial]] = []
    for key in keys:
        old = previous.get(key)
        found = keyed_records.get(key)
        if found is None:
            first = keyed_denials[key][0]
            values = dict(carry_values.get(old, {})) if old is not None else {}
            found = Record(first.vendor_key, key[1], first.row, values)
        record = found
        lines = keyed_denials.get(key)
        if lines is None and old is not None:
            lines = carry_denials.get(old)
        records.append(record)
        denials.append(lines or [])

    evaluation = evaluate_columns(
        records,
        kpis,
        minimum_volumes=_minimum_volumes([(vendor_by_id[v], p) for v, p in keys]),
        denials={i: lines for i, lines in enumerate(denials) if lines},
    )
    if too_large := _unstorable(records, evaluation):
        raise FileRefused(too_large)

    upload = ReportUpload(
        organization=organization,
        file_name=file_name,
        sha256=sha256,
        vendor=upload_scope.vendor,
        multi_vendor=upload_scope.vendor is None,
        period=upload_scope.period,
        sheet=upload_scope.sheet,
        size_bytes=len(content),
        source=source,
        uploaded_by=uploaded_by,
        received_at=received_at,
    )
    upload.file.save(file_name, ContentFile(content), save=False)
    try:
        upload.save()
        if previous:
            for chunk in batched(previous.values(), BATCH_SIZE):
                Report.objects.filter(pk__in=chunk).update(
                    is_current=False, superseded_at=received_at
                )
        versions = [latest_version.get(key, 0) + 1 for key in keys]
        ids = bulk.insert_rows_returning_ids(
            Report,
            ["organization", "vendor", "period", "version", "is_current", "upload", "received_at"],
            [
                (organization.pk, vendor_id, period, version, True, upload.pk, received_at)
                for (vendor_id, period), version in zip(keys, versions, strict=True)
            ],
        )
        _insert_values(ids, evaluation, organization)
        bulk.insert_rows(
            ReportFinding,
            ["report", "code", "field", "message", "stated", "expected"],
            [
                (report_id, f.code, f.field, f.message, _q(f.stated), _q(f.expected))
                for report_id, found in zip(ids, evaluation.findings, strict=True)
                for f in found
            ],
        )
        bulk.insert_rows(
            DenialBreakdown,
            ["report", "payer", "denial_reason", "claims_denied", "amount_denied"],
            [
                (report_id, d.payer, d.denial_reason, d.claims_denied, d.amount_denied)
                for report_id, lines in zip(ids, denials, strict=True)
                for d in lines
            ],
        )
    except BaseException:
        upload.file.delete(save=False)  # nothing of a refused or failed store is kept
        raise
    # In this transaction: the vendors' periods from the earliest stored are re-scored after
    # commit, by one task for the whole file.
    rescore_request(
        vendors=[(organization.pk, vendor_id, period) for vendor_id, period in keys],
        reason="report stored",
    )
    return IngestResult(upload, ids)
