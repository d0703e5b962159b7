"""The media storage: Django's file system storage, leaving nothing behind when a write fails.

Django's own ``FileSystemStorage`` creates the file and then writes it, so a full disk leaves an
empty or partial file under ``MEDIA_ROOT``. Here the bytes go to a hidden temporary file in the
same folder first, which is hard-linked into place only once complete (``os.link`` refuses an
existing name, as ``O_EXCL`` does) and removed whatever happens.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django.core.files.storage import FileSystemStorage

PARTIAL_PREFIX = ".partial-"


class AtomicFileSystemStorage(FileSystemStorage):
    """A file system storage whose saves are whole files or nothing."""

    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            while True:
                try:
                    os.link(partial, full_path)
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
                else:
                    break
        finally:
            os.unlink(partial)
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
