"""Settings: production mode refuses a missing or default secret, and passes the deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # The browser tests allow async-unsafe calls in this process; the child must not inherit it.
    drop = {
        "SECRET_KEY",
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "EMAIL_BACKEND",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    base = {k: v for k, v in os.environ.items() if k not in drop}
    base.update({"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_refuses_to_start(tmp_path):
    result = _manage("check", env={}, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "SECRET_KEY is missing or still the development default" in result.stderr


def test_production_with_default_secret_refuses_to_start(tmp_path):
    result = _manage("check", env={"SECRET_KEY": "insecure-dev-key-change-me"}, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "SECRET_KEY is missing or still the development default" in result.stderr


def test_production_with_short_secret_refuses_to_start(tmp_path):
    result = _manage("check", env={"SECRET_KEY": "short"}, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "SECRET_KEY is weak: production mode (DEBUG off) needs at least 50 characters" in (
        result.stderr
    )


def test_deploy_checks_pass_in_production_mode(tmp_path):
    secret = "p" * 20 + "-Q9x!r7Lm2#vT8kZ4wY1&nB6cH3jD5fG0sA"
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"SECRET_KEY": secret},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_mode_runs_without_secret(tmp_path):
    result = _manage("check", env={"DEBUG": "1"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_every_beat_task_is_registered():
    from django.conf import settings

    import scorecard.tasks  # noqa: F401 - what the worker's autodiscovery imports
    from scorecard.celery import app

    schedule = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    assert schedule == {
        "scorecard-daily-evaluation": "scorecard.evaluate_daily",
        "scorecard-monthly-pdfs": "scorecard.pdf.queue_monthly_batches",
        "scorecard-cure-reminders": "scorecard.send_cure_reminders",
        "scorecard-requeue-lost-jobs": "scorecard.jobs.requeue_lost",
        "scorecard-purge-upload-previews": "scorecard.purge_upload_previews",
    }
    assert [task for task in schedule.values() if task not in app.tasks] == []
