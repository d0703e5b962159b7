"""Upload previews: the bytes of a previewed report, kept until the member confirms or leaves.

Each preview is one file under ``MEDIA_ROOT/pending-uploads/``, named by a random token that
only the member's session knows. Previews are removed on confirmation, at sign-out, and by the
periodic ``scorecard.purge_upload_previews`` task once older than
``UPLOAD_PREVIEW_MAX_AGE_HOURS``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

PENDING_DIR = "pending-uploads"


def _name(token: str) -> str | None:
    """The storage name of a token's file; None for a token we could not have made."""
    if not token or not token.replace("-", "").replace("_", "").isalnum() or not token.isascii():
        return None
    return f"{PENDING_DIR}/{token}"


def preview_keep(*, content: bytes) -> str:
    """Store a preview's bytes (whole or not at all); its random token."""
    token = secrets.token_urlsafe(16)
    default_storage.save(f"{PENDING_DIR}/{token}", ContentFile(content))
    return token


def preview_read(*, token: str) -> bytes | None:
    """A kept preview's bytes, or None when it is gone (confirmed, dropped or purged)."""
    name = _name(token)
    if name is None or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def previews_drop(*, tokens: Iterable[str]) -> int:
    """Remove the previews of these tokens; how many files were removed."""
    removed = 0
    for token in tokens:
        name = _name(token)
        if name is not None and default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
    return removed


def previews_purge(*, now: dt.datetime | None = None, max_age: dt.timedelta | None = None) -> int:
    """Remove previews older than ``max_age`` (default ``UPLOAD_PREVIEW_MAX_AGE_HOURS``); how many.

    A preview's age is that of its file (its modification time).
    """
    now = now or timezone.now()
    max_age = max_age or dt.timedelta(hours=settings.UPLOAD_PREVIEW_MAX_AGE_HOURS)
    if not default_storage.exists(PENDING_DIR):
        return 0
    _, files = default_storage.listdir(PENDING_DIR)
    removed = 0
    for file_name in files:  # tokens, and any partial file a crash left behind
        name = f"{PENDING_DIR}/{file_name}"
        if now - default_storage.get_modified_time(name) > max_age:
            default_storage.delete(name)
            removed += 1
    return removed
