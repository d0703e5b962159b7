"""Browser tests: Debian's Chromium driven by Playwright against a live server.

Static files are served the production way: collected with a manifest (tests/conftest.py) and
served by WhiteNoise's middleware, not by Django's development static handler.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import reload_kpi_catalog

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# (to build data and check results) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", str(Path(settings.VAR_DIR) / "screenshots")))


def chromium_path() -> str | None:
    """The Chromium binary to drive, or None when the machine has none."""
    configured = getattr(settings, "CHROMIUM_PATH", "") or "/usr/bin/chromium"
    if os.path.exists(configured):
        return configured
    return shutil.which("chromium")


class _OneAtATime:
    """Django's single-threaded WSGI server, accepting the live server thread's arguments."""

    def __new__(cls, *args: Any, connections_override: Any = None, **kwargs: Any) -> Any:
        from django.core.servers.basehttp import WSGIServer

        # The server thread itself already uses the overridden (shared) connections.
        return WSGIServer(*args, **kwargs)


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, _collected_static: Path) -> Iterator[Any]:
    """pytest-django's live server, with static files left to WhiteNoise as in production."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    server.thread.static_handler = lambda app: app  # no development static handler
    # One request at a time: the in-memory SQLite test database is one connection shared with
    # the server thread, which parallel requests (six chart images at once) would trample.
    server.thread.server_class = _OneAtATime
    server.start()
    yield server
    server.stop()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: while Playwright's sync API runs in this thread, the serialized
    rollback other committing tests rely on is not available, so none may follow them."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a browser test's flush, give the next tests their migrated data back.

    Browser tests commit (the live server reads committed data), so the database is flushed
    after each one, which also empties the catalog the data migration loaded.
    """
    yield
    from django.db import DatabaseError
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock(), suppress(DatabaseError):
        reload_kpi_catalog()  # (no test database when the session failed before creating it)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the run (fails, never skips, under CI without a browser)."""
    path = chromium_path()
    if path is None:
        message = "Chromium is missing (apt-get install chromium, or set CHROMIUM_PATH)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def fast_passwords(settings: Any) -> None:
    """A cheap hasher for the logins the tests make (the server thread shares the settings)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under SHOTS (var/screenshots by default) and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE = Path(settings.BASE_DIR) / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("critical", "serious")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's critical and serious violations on the page as shown (WCAG 2.x A and AA).

    axe-core comes from the npm registry (bin/setup --test installs it into var/axe); it is
    evaluated through the DevTools protocol, which the pages' Content-Security-Policy allows.
    """
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run bash bin/setup --test (needs npm).")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in SERIOUS]


def axe_check(page: Any) -> None:
    """Fail the test when axe-core finds a critical or serious violation on the page."""
    found = axe_violations(page)
    assert found == [], f"axe-core on {page.url}: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'])}" for v in found
    )


# --- Demo history: ten months of reports, one vendor deteriorating --------------------------
HISTORY = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 10)]
# Every month of a contract is measured once due, reported or not: the demo contracts end with
# 2026-09, so the pages show the same months whatever day the tests run.
HISTORY_END = dt.date(2026, 9, 30)
HEADER = (
    "period,first_pass_acceptance_rate,denial_rate,days_in_ar,net_collection_rate,"
    "coding_turnaround_hours,resubmission_turnaround_business_days,claims_submitted,payments"
)


def _row(period: str, values: list[Decimal | int]) -> str:
    return ",".join([period, *(str(v) for v in values)])


def history_rows(slug: str) -> list[tuple[str, str]]:
    """Eleven months of a demo vendor as (period, CSV row); Summit RCM slides into breach."""
    rows = []
    for i, period in enumerate(HISTORY):
        step = Decimal(i)
        if slug == "summit-rcm":
            fpar = Decimal("96.4") - step * Decimal("0.95")
            denial = Decimal("6.2") + step * Decimal("0.75")
            values: list[Decimal | int] = [
                fpar,
                denial,
                Decimal("39") + step * 2,
                Decimal("96.0") - step * Decimal("0.4"),
                Decimal("30"),
                Decimal("1.5"),
                4100 + i * 20,
                Decimal("452000") - step * 4000,
            ]
        elif slug == "harbor-coding":
            values = [
                Decimal("97.1"),
                Decimal("5.4"),
                Decimal("34"),
                Decimal("97.2"),
                Decimal("52") if i % 4 == 3 else Decimal("36"),
                Decimal("1"),
                3600 + i * 15,
                Decimal("410000") + step * 1500,
            ]
        else:
            values = [
                Decimal("95.8") + (step % 3) / 10,
                Decimal("7.1"),
                Decimal("37"),
                Decimal("95.6"),
                Decimal("44"),
                Decimal("2"),
                4300 + i * 10,
                Decimal("780000") + step * 2500,
            ]
        rows.append((period, _row(period, values)))
    return rows


@pytest.fixture
def demo_world(fast_passwords: None) -> Any:
    """The demo organization (logins, three vendors, contracts to 2026-09) with its reports.

    Built through the same services users go through; each stored report is evaluated after
    commit (CELERY_TASK_ALWAYS_EAGER in tests), so scorecards and remediation items exist.
    """
    from vendors import demo, services
    from vendors.models import Contract, Vendor
    from vendors.services.reports import report_ingest

    reload_kpi_catalog()  # a committing test before this one may have flushed it
    org = demo.demo_setup()
    for contract in Contract.objects.filter(organization=org):
        services.contract_update(contract=contract, end_date=HISTORY_END)
    for vendor in Vendor.objects.filter(organization=org).order_by("name"):
        for period, row in history_rows(vendor.slug):
            if (vendor.slug, period) == ("harbor-coding", "2026-08"):
                continue  # never sent: missing, and its KPIs not reported
            if (vendor.slug, period) == ("northwind-billing", "2026-09"):
                continue  # uploaded by the administrator's journey
            year, month = int(period[:4]), int(period[5:])
            # Received on the 6th of the following month, before the 10th business day.
            received = dt.datetime(year + month // 12, month % 12 + 1, 6, 9, tzinfo=dt.UTC)
            report_ingest(
                organization=org,
                content=f"{HEADER}\n{row}\n".encode(),
                file_name=f"{vendor.slug}_{period}.csv",
                vendor=vendor,
                received_at=received,
            )
    return org
