"""Shared fixtures: two organizations with members of each role, and API clients."""

from __future__ import annotations

import importlib
import os
import shutil
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests.factories import OrganizationFactory, member
from vendors.models import Organization, Role

# --- Parallel workers (pytest-xdist) ------------------------------------------------------------
# bin/test and .ci/run run the suite on two workers (gw0, gw1). Each has its own test database
# (pytest-django suffixes its name), its own MEDIA_ROOT and STATIC_ROOT (temporary folders), its
# own live server port (an ephemeral one) and, here, its own Redis database: the tests with real
# Celery workers empty their broker database, which must not be the other worker's.


def per_worker_broker_url(url: str, worker: str) -> str:
    """``url`` for xdist worker ``worker`` ("gw1"): a Redis URL's database number plus the
    worker's index (redis://h:6379/10 -> /11 on gw1); any other URL, or no worker, unchanged."""
    parts = urlsplit(url)
    if not worker.startswith("gw") or parts.scheme not in {"redis", "rediss"}:
        return url
    number = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    if number > 15:
        raise pytest.UsageError(f"{url} on worker {worker} needs Redis database {number} (> 15)")
    return urlunsplit(parts._replace(path=f"/{number}"))


def pytest_configure(config: pytest.Config) -> None:
    """Give this xdist worker its own Redis database, before any task is sent."""
    from scorecard.celery import app

    url = per_worker_broker_url(
        django_settings.CELERY_BROKER_URL, os.environ.get("PYTEST_XDIST_WORKER", "")
    )
    if url != django_settings.CELERY_BROKER_URL:
        # Celery reads the environment variable before its setting: both, and the workers the
        # tests start inherit it.
        os.environ["CELERY_BROKER_URL"] = url
        django_settings.CELERY_BROKER_URL = url
        app.conf.broker_url = url


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    """Every test writes its files under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def reload_kpi_catalog() -> None:
    """Load the KPI catalog again, with its data migration's own code, if a flush emptied it."""
    from django.apps import apps as django_apps

    from vendors.models import KPIDefinition

    if not KPIDefinition.objects.exists():
        importlib.import_module("vendors.migrations.0002_kpi_catalog").load(django_apps, None)
    from remittances.models import CarcRule

    if not CarcRule.objects.filter(organization=None).exists():
        importlib.import_module("remittances.migrations.0003_shipped_carc_rules").load(
            django_apps, None
        )


@pytest.fixture(autouse=True)
def _kpi_catalog(request: pytest.FixtureRequest) -> None:
    """Every database test starts with the migrated KPI catalog.

    A committing test (transaction=True) ends with a flush that empties it, whatever runs next.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = "transactional_db" in names or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    reload_kpi_catalog()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2 costs about a second a login on these machines; tests need no strong hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Static files collected once per run, as production needs, with a strict manifest.

    Production keeps whitenoise's CompressedManifestStaticFilesStorage; tests use its parent,
    Django's ManifestStaticFilesStorage (same hashed names, same strict manifest: a missing file
    still fails), collected into a temporary STATIC_ROOT in about a second instead of the ~40 s
    that compressing every file takes.
    """
    from django.core.management import call_command
    from django.test.utils import override_settings

    root = tmp_path_factory.mktemp("static")
    storages = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture
def org(db: None) -> Organization:
    """Organization A, the user's own."""
    return OrganizationFactory(name="Practice A", slug="practice-a")


@pytest.fixture
def other_org(db: None) -> Organization:
    """Organization B, whose records a user of A must never see."""
    return OrganizationFactory(name="Practice B", slug="practice-b")


@pytest.fixture
def admin_user(org: Organization) -> Any:
    """An administrator of organization A."""
    return member(org, Role.ADMIN, user__username="alice")


def client_for(user: Any) -> APIClient:
    """An API client signed in (token auth) as ``user``."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(admin_user: Any) -> APIClient:
    """An API client for organization A's administrator."""
    return client_for(admin_user)


# --- Which tests this run can hold -----------------------------------------------------------
# Tests marked ``postgres`` need DATABASE_URL on PostgreSQL; ``worker`` needs CELERY_BROKER_URL on
# a real broker (Redis or RabbitMQ); ``e2e`` needs Chromium. The embedded run (the README's test
# command on a bare machine) deselects what it cannot hold and says so; .ci/run runs the suite
# again on PostgreSQL and Redis. Under CI a missing browser fails the run instead.


def _missing_for(item: pytest.Item) -> str | None:
    engine = django_settings.DATABASES["default"]["ENGINE"]
    if item.get_closest_marker("postgres") and "postgresql" not in engine:
        return "PostgreSQL (DATABASE_URL)"
    if item.get_closest_marker("worker") and django_settings.CELERY_EMBEDDED:
        return "a real broker (CELERY_BROKER_URL)"
    if item.get_closest_marker("e2e") and not (
        os.path.exists(django_settings.CHROMIUM_PATH) or shutil.which("chromium")
    ):
        if os.environ.get("CI"):
            return None  # the test itself fails loudly: CI must have a browser
        return "Chromium (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect tests that need a service this run does not have, and report them."""
    kept, dropped = [], {}
    for item in items:
        why = _missing_for(item)
        if why is None:
            kept.append(item)
        else:
            dropped.setdefault(why, []).append(item)
    if dropped:
        config.hook.pytest_deselected(items=[i for group in dropped.values() for i in group])
        items[:] = kept
    lines = [
        f"deselected {len(group)} tests that need {why}; .ci/run runs them"
        for why, group in dropped.items()
    ]
    if hasattr(config, "workeroutput"):  # an xdist worker: its controller reports them
        config.workeroutput["deselected_for"] = lines
    else:
        _report_deselected(config, lines)


def _report_deselected(config: pytest.Config, lines: list[str]) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, yellow=True)


_WORKER_DESELECTED = pytest.StashKey[list[str]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: keep the deselection report of the first worker that finished (every
    worker collects the same tests)."""
    lines = getattr(node, "workeroutput", {}).get("deselected_for")
    if lines is not None:
        node.config.stash.setdefault(_WORKER_DESELECTED, lines)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Under xdist, say what the workers deselected, at the end of the run."""
    _report_deselected(config, config.stash.get(_WORKER_DESELECTED, []))
