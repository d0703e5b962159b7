"""The benchmarks' test database: on the embedded default a SQLite FILE (as production keeps it),
not pytest-django's in-memory one, whichever benchmark sets the database up first."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    db = django_settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(django_settings.VAR_DIR / "bench_test.sqlite3")
