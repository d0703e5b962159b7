"""The suite on parallel workers: each xdist worker has its own Redis database, and the README's
test command and CI's PostgreSQL step run on two workers."""

from pathlib import Path

import pytest

from tests.conftest import per_worker_broker_url

ROOT = Path(__file__).resolve().parent.parent


def test_each_worker_gets_its_own_redis_database() -> None:
    assert per_worker_broker_url("redis://127.0.0.1:6379/10", "gw0") == "redis://127.0.0.1:6379/10"
    assert per_worker_broker_url("redis://127.0.0.1:6379/10", "gw1") == "redis://127.0.0.1:6379/11"
    assert per_worker_broker_url("redis://:pw@h:6380", "gw1") == "redis://:pw@h:6380/1"
    assert per_worker_broker_url("redis://127.0.0.1:6379/3", "") == "redis://127.0.0.1:6379/3"
    assert per_worker_broker_url("filesystem://", "gw1") == "filesystem://"
    with pytest.raises(pytest.UsageError, match="needs Redis database 16"):
        per_worker_broker_url("redis://127.0.0.1:6379/15", "gw1")


def test_the_test_command_and_ci_run_on_two_workers() -> None:
    assert 'exec uv run pytest -n auto --maxprocesses=2 "$@"' in (ROOT / "bin/test").read_text()
    assert "uv run pytest -q -n auto --maxprocesses=2\n" in (ROOT / ".ci/run").read_text()
