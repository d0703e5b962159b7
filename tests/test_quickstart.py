"""``quickstart --no-serve`` twice on an empty database: both succeed, the second adds nothing."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = [
    "vendors_organization",
    "vendors_membership",
    "vendors_vendor",
    "vendors_contract",
    "vendors_slaterm",
    "auth_user",
]


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def test_quickstart_twice_on_an_empty_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update({"VAR_DIR": str(tmp_path), "DEBUG": "1", "CELERY_TASK_ALWAYS_EAGER": "0"})
    runs = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "manage.py", "quickstart", "--no-serve"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        runs.append((result.stdout, _counts(tmp_path / "scorecard.sqlite3")))
    (first_out, first), (second_out, second) = runs
    assert first == second
    assert first == {
        "vendors_organization": 1,
        "vendors_membership": 4,
        "vendors_vendor": 3,
        "vendors_contract": 3,
        "vendors_slaterm": 18,
        "auth_user": 4,
    }
    for text in (first_out, second_out):
        assert "password for all: scorecard-demo" in text
        assert "admin       Administrator (and the admin site, /admin/, for this organization)" in (
            text
        )
    # the demo administrator is the organization's, on the staff of the admin site, no superuser
    with sqlite3.connect(tmp_path / "scorecard.sqlite3") as conn:
        flags = conn.execute(
            "select username, is_staff, is_superuser from auth_user order by username"
        ).fetchall()
    assert flags == [
        ("admin", 1, 0),
        ("compliance", 0, 0),
        ("finance", 0, 0),
        ("viewer", 0, 0),
    ]
