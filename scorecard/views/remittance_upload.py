"""The upload page's X12 835 side: remittance files are stored whole or refused whole (no
preview: pyx12 validates the whole file first), and an unmapped payee gets a one-click "map this
payee to vendor" form (administrators: ``Capability.MANAGE``), after which the file is sent again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from remittances.services.imports import remittance_import
from remittances.services.payees import payee_mapping_create
from remittances.x12 import RemittanceRefused, looks_like_x12
from scorecard.forms import UploadForm
from vendors.models import Vendor
from vendors.policy import Capability

from .base import render_page, scoped

X12_EXTENSIONS = (".835", ".edi", ".x12", ".txt")


def is_remittance_post(request: HttpRequest) -> bool:
    """A POST of the upload page that is for 835 files: a payee mapping, or X12 files."""
    if request.method != "POST":
        return False
    if request.POST.get("map_payee"):
        return True
    files = request.FILES.getlist("file")
    return bool(files) and all(_is_x12(f) for f in files)


def _is_x12(handle: Any) -> bool:
    name = (handle.name or "").lower()
    head = handle.read(16)
    handle.seek(0)
    return looks_like_x12(head, name) or name.endswith(X12_EXTENSIONS)


def remittance_post(request: HttpRequest) -> HttpResponse:
    """Store each 835 file (or map a payee), then show what became of every file."""
    if request.POST.get("map_payee"):
        return _map_payee(request)
    organization = request.seat.organization  # type: ignore[attr-defined]
    files = request.FILES.getlist("file")[: settings.REMITTANCE_MAX_FILES]
    results = []
    for handle in files:
        results.append(_one(request, organization, handle))
    refused = any(r["refused"] for r in results)
    vendors = scoped(request, Vendor.objects.all()).order_by("name")
    return render_page(
        request,
        "scorecard/upload.html",
        {
            "form": UploadForm(vendors=vendors),
            "remittances": results,
            "payee_vendors": vendors,
            "may_map": request.seat.may(Capability.MANAGE),  # type: ignore[attr-defined]
        },
        status=400 if refused else 200,
    )


def _one(request: HttpRequest, organization: Any, handle: Any) -> dict[str, Any]:
    name = handle.name or "remittance.835"
    if handle.size > settings.REMITTANCE_MAX_BYTES:
        return {
            "name": name,
            "refused": True,
            "errors": [
                f"The file is {handle.size} bytes; at most {settings.REMITTANCE_MAX_BYTES} "
                "bytes are read."
            ],
            "payees": [],
        }
    try:
        result = remittance_import(
            organization=organization, data=handle.read(), file_name=name, uploaded_by=request.user
        )
    except RemittanceRefused as exc:
        shown = exc.errors[: settings.REPORT_MAX_ERRORS_SHOWN]
        return {
            "name": name,
            "refused": True,
            "errors": [str(e) for e in shown],
            "more": len(exc.errors) - len(shown),
            "payees": getattr(exc, "payees", []),
        }
    return {"name": name, "refused": False, "message": result.message, "created": result.created}


def _map_payee(request: HttpRequest) -> HttpResponse:
    if not request.seat.may(Capability.MANAGE):  # type: ignore[attr-defined]
        raise PermissionDenied("Mapping payees to vendors needs the role admin.")
    organization = request.seat.organization  # type: ignore[attr-defined]
    wanted = request.POST.get("vendor", "")
    vendor = (
        scoped(request, Vendor.objects.all()).filter(pk=int(wanted)).first()
        if wanted.isascii() and wanted.isdigit() and len(wanted) < 19
        else None
    )
    if vendor is None:
        messages.error(request, "Choose the vendor that bills for this payee.")
        return redirect("upload")
    try:
        mapping = payee_mapping_create(
            organization=organization,
            id_qualifier=request.POST.get("id_qualifier", ""),
            payee_id=request.POST.get("payee_id", ""),
            payee_name=request.POST.get("payee_name", ""),
            vendor=vendor,
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("upload")
    messages.success(
        request,
        f"Payee {mapping} is mapped to {vendor.name}. Send the remittance file again to store it.",
    )
    return redirect("upload")
