"""Storing denial work logs: versions, identical files, refusals, the contract's milestones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import ContractFactory
from vendors.ingest.errors import FileRefused
from vendors.models import AuditEvent, PendingRescore
from vendors.services import contract_amend
from vendors.services.holidays import holidays_set
from worklogs.models import DenialLog, DenialWorkMeasures
from worklogs.services.logs import log_store

pytestmark = pytest.mark.django_db
PER_TOUCH = (Path(__file__).parent / "files" / "per_touch.csv").read_bytes()


@pytest.fixture(autouse=True)
def _no_rescore_task(settings: Any) -> None:
    settings.RESCORE_TASK = ""


@pytest.fixture
def contract() -> Any:
    contract = ContractFactory(start_date=dt.date(2026, 1, 1))
    holidays_set(organization=contract.organization, dates=["2026-05-25"])
    return contract


def test_a_log_is_stored_with_its_measures(contract: Any) -> None:
    stored = log_store(
        vendor=contract.vendor, period="2026-05", content=PER_TOUCH, file_name="may.csv"
    )
    assert stored.created
    assert stored.message == (
        f"may.csv: 3 denials and 5 touches stored as version 1 of {contract.vendor.name}'s "
        "2026-05 log."
    )
    log = DenialLog.objects.get()
    assert (log.version, log.is_current, log.layout, log.source) == (1, True, "per_touch", "csv")
    assert log.file.read() == PER_TOUCH
    m = DenialWorkMeasures.objects.get(log=log)
    # A (received Fri 05-22, touched Tue 05-26 after the Memorial Day holiday: 1 day) on time,
    # B never touched: 1 of 2.  Overdue at 05-31: B (first touch) and C (follow-up), 1,200 + 800.
    assert m.first_touch_within_sla_rate == Decimal("50.0000")
    assert (m.overdue_count, m.overdue_value_cents) == (2, 200000)
    assert m.milestones == {"first_touch": 1, "follow_up": 7, "appeal": 20, "resolution": 30}
    assert AuditEvent.objects.filter(record_type="denial_log", record_id=str(log.pk)).count() == 1
    asked = PendingRescore.objects.filter(reason="denial work log received")
    assert list(asked.values_list("vendor_id", "from_period")) == [(contract.vendor_id, "2026-05")]


def test_the_contract_milestones_are_the_ones_measured(contract: Any) -> None:
    contract_amend(
        contract=contract,
        effective_date=dt.date(2026, 5, 1),
        denial_first_touch_business_days=0,
    )
    log_store(vendor=contract.vendor, period="2026-05", content=PER_TOUCH, file_name="may.csv")
    m = DenialWorkMeasures.objects.get()
    assert m.milestones["first_touch"] == 0
    assert m.first_touch_within_sla_rate == Decimal("0.0000")  # A's 1 day is now late


def test_the_same_file_twice_changes_nothing_and_a_new_one_is_a_version(contract: Any) -> None:
    vendor = contract.vendor
    log_store(vendor=vendor, period="2026-05", content=PER_TOUCH, file_name="may.csv")
    again = log_store(vendor=vendor, period="2026-05", content=PER_TOUCH, file_name="again.csv")
    assert not again.created
    assert again.message.startswith(f"again.csv: identical to version 1 of {vendor.name}'s 2026-05")
    assert DenialLog.objects.count() == 1
    corrected = PER_TOUCH.replace(b'"1,200.00"', b'"1,300.00"')
    second = log_store(vendor=vendor, period="2026-05", content=corrected, file_name="v2.csv")
    assert second.log.version == 2
    first = DenialLog.objects.get(version=1)
    assert (first.is_current, first.superseded_at is not None) == (False, True)
    assert DenialWorkMeasures.objects.get(log=second.log).overdue_value_cents == 210000


def test_a_refused_file_stores_nothing(contract: Any) -> None:
    bad = PER_TOUCH.replace(b"Review", b"Prayed")
    with pytest.raises(FileRefused) as caught:
        log_store(vendor=contract.vendor, period="2026-05", content=bad, file_name="bad.csv")
    assert [str(e) for e in caught.value.errors] == [
        "Row 3, column Action: not a known action (one of appeal, correct_resubmit, payer_call, "
        "review, write_off)"
    ]
    assert (DenialLog.objects.count(), DenialWorkMeasures.objects.count()) == (0, 0)
    assert not PendingRescore.objects.filter(reason="denial work log received").exists()


def test_a_stored_log_reads_on_its_page_and_in_the_pdf(contract: Any, client: Any) -> None:
    from scorecard.pdf.render import scorecard_html
    from tests.factories import make_scorecard, member

    log_store(vendor=contract.vendor, period="2026-05", content=PER_TOUCH, file_name="may.csv")
    client.force_login(member(contract.organization))
    page = client.get(f"/vendors/{contract.vendor_id}/denial-work/2026-05/")
    assert page.status_code == 200
    text = page.content.decode()
    # the overdue list by value: B ($1,200.00, first touch 18 days late) before C ($800.00)
    assert text.index("$1,200.00") < text.index("$800.00")
    assert "50.0 %" in text  # first touch within SLA
    for chart in ("sla", "ageing"):
        png = client.get(f"/vendors/{contract.vendor_id}/denial-work/2026-05/{chart}.png")
        assert (png.status_code, png.content[:4]) == (200, b"\x89PNG")
    card = make_scorecard(contract, "2026-05", {})
    html = scorecard_html(card.pk)
    assert "Denial work" in html and "$1,200.00" in html and "50.0 %" in html
