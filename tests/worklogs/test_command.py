"""import_denial_log: a log stored from the command line, or refused with its rows and columns."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ContractFactory
from worklogs.models import DenialLog

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"


def test_import_denial_log(tmp_path: Path, settings: Any) -> None:
    settings.RESCORE_TASK = ""
    vendor = ContractFactory(start_date=dt.date(2026, 1, 1)).vendor
    out = StringIO()
    call_command(
        "import_denial_log", str(FILES / "per_touch.csv"), vendor=vendor.slug, period="2026-05",
        stdout=out,
    )  # fmt: skip
    assert out.getvalue() == (
        f"per_touch.csv: 3 denials and 5 touches stored as version 1 of {vendor.name}'s "
        "2026-05 log.\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes((FILES / "per_touch.csv").read_bytes().replace(b"Review", b"Prayed"))
    err = StringIO()
    with pytest.raises(CommandError, match=r"^bad\.csv was refused; nothing was stored\.$"):
        call_command(
            "import_denial_log", str(bad), vendor=vendor.slug, period="2026-05", stderr=err
        )
    assert err.getvalue() == (
        "bad.csv: Row 3, column Action: not a known action (one of appeal, correct_resubmit, "
        "payer_call, review, write_off)\n"
    )
    assert DenialLog.objects.count() == 1
