"""Upload a report: preview the parsed values and every error, then confirm; column aliases.

The preview parses with the ingestion services and stores nothing; the uploaded bytes wait in a
private temporary file (named by a random token kept in the session) until the member confirms,
and the confirmation stores them through ``report_ingest``: the same write path as the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from scorecard.forms import AliasForm, DecimalMarkForm, UploadForm
from scorecard.services import previews as preview_services
from vendors import services as vendor_services
from vendors.ingest import catalog as catalog_rules
from vendors.ingest.errors import FileRefused
from vendors.models import ColumnAlias, Vendor
from vendors.services import aliases as alias_services
from vendors.services import reports as report_services

from .base import ADMIN, UPLOAD, get_scoped, page, render_page, scoped

PENDING_KEY = "pending_uploads"
KEPT_PER_SESSION = 5


def _keep(request: HttpRequest, content: bytes, meta: dict[str, Any]) -> str:
    """Keep the bytes until confirmation; the token is random so no one can guess another's."""
    token = preview_services.preview_keep(content=content)
    pending = request.session.get(PENDING_KEY, {})
    # Only the latest few previews stay claimable; older temporary files are removed.
    older = list(pending)[: -(KEPT_PER_SESSION - 1)]
    preview_services.previews_drop(tokens=older)
    for old in older:
        pending.pop(old)
    pending[token] = meta
    request.session[PENDING_KEY] = pending
    return token


def _take(request: HttpRequest, token: str) -> tuple[bytes, dict[str, Any]] | None:
    meta = request.session.get(PENDING_KEY, {}).get(token)
    content = preview_services.preview_read(token=token) if meta is not None else None
    if content is None:
        return None
    return content, meta


def _drop(request: HttpRequest, token: str) -> None:
    pending = request.session.get(PENDING_KEY, {})
    pending.pop(token, None)
    request.session[PENDING_KEY] = pending
    preview_services.previews_drop(tokens=[token])


def session_previews(request: HttpRequest) -> list[str]:
    """The tokens of the previews this session keeps (removed at sign-out)."""
    return list(request.session.get(PENDING_KEY, {}))


@page(UPLOAD)
def upload(request: HttpRequest) -> HttpResponse:
    """Drop a report file; see what it holds and every error by row and column."""
    org = request.seat.organization  # type: ignore[attr-defined]
    vendors = scoped(request, Vendor.objects.all()).order_by("name")
    form = UploadForm(request.POST or None, request.FILES or None, vendors=vendors)
    preview = None
    refused = None
    token = None
    status = 200
    if request.method == "POST" and form.is_valid():
        vendor: Vendor | None = form.cleaned_data["vendor"]
        multi_vendor: bool = form.cleaned_data["multi_vendor"]
        period = form.cleaned_data["period"] or None
        decimal_mark = form.cleaned_data["decimal_mark"] or None
        handle = form.cleaned_data["file"]
        content = handle.read()
        try:
            preview = report_services.report_preview(
                organization=org,
                content=content,
                file_name=handle.name,
                vendor=vendor,
                period=period,
                decimal_mark=decimal_mark,
                multi_vendor=multi_vendor,
                submitter=request.user,
            )
        except FileRefused as exc:
            refused = exc
            status = 400
        else:
            token = _keep(
                request,
                content,
                {
                    "vendor": vendor.pk if vendor is not None else None,
                    "multi_vendor": multi_vendor,
                    "organization": org.pk,
                    "period": period,
                    "file_name": handle.name,
                    "decimal_mark": decimal_mark,
                },
            )
    elif request.method == "POST":
        status = 400
    return render_page(
        request,
        "scorecard/upload.html",
        {"form": form, "preview": preview, "refused": refused, "token": token},
        status=status,
    )


@require_POST
@page(UPLOAD)
def confirm(request: HttpRequest) -> HttpResponse:
    """Store the previewed file through the ingestion service (all or nothing)."""
    token = request.POST.get("token", "")
    kept = _take(request, token)
    if kept is None:
        messages.error(request, "That preview has expired; upload the file again.")
        return redirect("upload")
    content, meta = kept
    vendor = None
    if meta.get("vendor") is not None:
        vendor = get_scoped(request, Vendor.objects.all(), pk=meta["vendor"])
    organization = request.seat.organization  # type: ignore[attr-defined]
    if organization.pk != meta.get("organization", organization.pk):
        messages.error(request, "That preview belongs to another organization; upload it again.")
        return redirect("upload")
    try:
        result = report_services.report_ingest(
            organization=organization,
            content=content,
            file_name=meta["file_name"],
            vendor=vendor,
            multi_vendor=bool(meta.get("multi_vendor")),
            period=meta["period"],
            uploaded_by=request.user,
            decimal_mark=meta.get("decimal_mark"),
        )
    except FileRefused as exc:
        _drop(request, token)
        messages.error(request, f"The file was refused: {exc}")
        return redirect("upload")
    _drop(request, token)
    messages.success(request, result.summary())
    for note in result.notes:  # totals and footnote rows skipped
        messages.info(request, str(note))
    if vendor is None:
        return redirect("upload")
    return redirect("vendor-detail", pk=vendor.pk)


@page(ADMIN)
def aliases(request: HttpRequest, pk: int) -> HttpResponse:
    """A vendor's own column headers, mapped to KPI codes or raw fields, with their scale."""
    vendor = get_scoped(request, Vendor.objects.all(), pk=pk)
    existing = ColumnAlias.objects.filter(vendor=vendor).order_by("header")
    editing = None
    wanted = request.POST.get("alias") or request.GET.get("edit") or ""
    if wanted.isdigit():
        editing = existing.filter(pk=int(wanted)).first()
    if request.method == "POST" and request.POST.get("delete", "").isdigit():
        alias = existing.filter(pk=int(request.POST["delete"])).first()
        if alias is not None:
            alias_services.column_alias_delete(alias=alias)
            messages.success(request, f"Alias {alias.header} removed.")
        return redirect("aliases", pk=vendor.pk)
    if request.method == "POST" and "decimal_mark" in request.POST:  # the decimal mark form
        mark_form = DecimalMarkForm(request.POST)
        if mark_form.is_valid():
            vendor_services.vendor_update(
                vendor=vendor, decimal_mark=mark_form.cleaned_data["decimal_mark"]
            )
            messages.success(request, f"Decimal mark: {vendor.get_decimal_mark_display()}.")
            return redirect("aliases", pk=vendor.pk)
    else:
        mark_form = DecimalMarkForm(initial={"decimal_mark": vendor.decimal_mark})
    initial = (
        {"header": editing.header, "target": editing.target, "scale": editing.scale}
        if editing
        else None
    )
    marking = request.method == "POST" and "decimal_mark" in request.POST
    form = AliasForm(None if marking else request.POST or None, initial=initial)
    # What an alias may mean: this organization's catalog only (shipped KPIs and its own).
    targets = sorted(catalog_rules.alias_targets(report_services.kpi_specs(vendor.organization_id)))
    form.fields["target"].widget.attrs["list"] = "alias-targets"
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if editing is not None:
                alias_services.column_alias_update(alias=editing, **form.cleaned_data)
            else:
                alias_services.column_alias_create(vendor=vendor, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"Alias {form.cleaned_data['header']} saved.")
            return redirect("aliases", pk=vendor.pk)
    if request.method == "POST":
        status = 400
    return render_page(
        request,
        "scorecard/aliases.html",
        {
            "vendor": vendor,
            "form": form,
            "mark_form": mark_form,
            "aliases": existing,
            "editing": editing,
            "targets": targets,
        },
        status=status,
    )
