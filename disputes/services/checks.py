"""Checks every dispute write shares: the role policy, text fields, files, the revision."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from scorecard.models import Scorecard
from vendors import policy
from vendors.services import nul_errors
from vendors.services.audit import current_actor

NOTE_MAX_CHARS = 5000


def require_capability(
    actor: Any, organization_id: int, capability: policy.Capability, what: str
) -> Any:
    """The acting user, or ``PermissionDenied`` naming what their role may not do."""
    who = current_actor(actor)
    if who is None or not policy.user_can(who, organization_id, capability):
        raise PermissionDenied(f"Your role may not {what}.")
    return who


def clean_text(value: Any, field: str, *, required: bool = True) -> str:
    """A stripped text field, refused (naming the field) when blank, too long or holding NUL."""
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: f"{field} is required."})
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationError({field: f"{field} is at most {NOTE_MAX_CHARS} characters."})
    bad = nul_errors({field: text})
    if bad:
        raise ValidationError(bad)
    return text


def check_file(upload: UploadedFile, field: str) -> None:
    """Refuse a file past ``DISPUTE_ATTACHMENT_MAX_BYTES`` (by its size, before reading it)."""
    limit = settings.DISPUTE_ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {field: f"{upload.name}: {upload.size} bytes; the limit is {limit} bytes."}
        )
    if not upload.name or len(upload.name) > 200:
        raise ValidationError({field: "A file needs a name of at most 200 characters."})


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def current_revision(scorecard: Scorecard) -> Scorecard:
    locked = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if not locked.is_current:
        raise ValidationError(
            {
                "scorecard": f"Revision {locked.revision} of {locked.period} is superseded; "
                "only the current revision can be acknowledged or disputed."
            }
        )
    return locked


def remove_files(names: Sequence[str]) -> None:
    """Delete files stored by a write that then failed: nothing half-stored."""
    for name in names:
        default_storage.delete(name)
