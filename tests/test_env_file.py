"""The local environment file: bin/setup writes it once, settings read it (the environment wins),
commands then run with nothing exported; production without it refuses a missing or weak secret
with one line on stderr and exit status 1, not a traceback."""

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "vendors" / "samples"
ADVICE = (
    "set SECRET_KEY to a long random value, e.g. "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(50))' "
    "(for development, bash bin/setup writes .env with DEBUG=1 and a generated key)."
)
# What the shell of a new user holds: none of the project's variables.
PROJECT_VARIABLES = {
    "SECRET_KEY",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "EMAIL_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "ENV_FILE",
}


def _bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    env["VAR_DIR"] = str(tmp_path / "var")
    env.update(extra)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _local_env(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "bin/local-env", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


SHOW = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"


def test_setup_writes_the_env_file_once(tmp_path):
    path = tmp_path / "local.env"
    first = _local_env(path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"Wrote {path} (development mode, a generated SECRET_KEY)\n"
    text = path.read_text()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0] == "DEBUG=1"
    key = lines[1].removeprefix("SECRET_KEY=")
    assert lines[1].startswith("SECRET_KEY=") and len(lines) == 2
    assert len(key) >= 50 and len(set(key)) >= 20
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a secret: the owner's alone
    # Run again (every setup does): the file, and its key, stay as they were.
    again = _local_env(path)
    assert (again.returncode, again.stdout) == (0, "")
    assert path.read_text() == text
    # Nor is a file the user wrote changed.
    own = tmp_path / "own.env"
    own.write_text("DEBUG=0\n")
    assert _local_env(own).returncode == 0
    assert own.read_text() == "DEBUG=0\n"
    # Two checkouts get two different keys.
    other = tmp_path / "other.env"
    _local_env(other)
    assert other.read_text() != text


def test_commands_run_on_the_env_file_with_nothing_exported(tmp_path):
    path = tmp_path / "local.env"
    _local_env(path)
    key = path.read_text().split("SECRET_KEY=")[1].strip()
    env = _bare_env(tmp_path, ENV_FILE=str(path))
    check = _manage("check", env=env)
    assert (check.returncode, check.stderr) == (0, "")
    # axes.W006 (lockout by username only) is silenced on purpose: see settings
    assert check.stdout == "System check identified no issues (1 silenced).\n"
    assert _manage("shell", "--no-imports", "-c", SHOW, env=env).stdout == f"True {key}\n"
    assert _manage("migrate", "-v", "0", env=env).returncode == 0
    # A command that takes a file: it runs and answers about the file, not about settings.
    report = _manage(
        "import_report",
        str(SAMPLES / "northwind-billing_2026-09_wide.csv"),
        "--vendor",
        "nobody",
        env=env,
    )
    assert report.returncode == 1
    assert report.stderr == "CommandError: No vendor with slug 'nobody'.\n"


def test_environment_variables_win_over_the_env_file(tmp_path):
    path = tmp_path / "local.env"
    path.write_text("DEBUG=1\nSECRET_KEY=from-the-file\nTIME_ZONE=Europe/Paris\n")
    secret = "e" * 10 + "-Q9x!r7Lm2#vT8kZ4wY1&nB6cH3jD5fG0sA-0123456789"
    env = _bare_env(tmp_path, ENV_FILE=str(path), DEBUG="0", SECRET_KEY=secret)
    shown = _manage(
        "shell",
        "--no-imports",
        "-c",
        SHOW + "; print(s.TIME_ZONE)",
        env={**env, "SECURE_SSL_REDIRECT": "0"},
    )
    assert shown.stdout == f"False {secret}\nEurope/Paris\n", shown.stderr


def test_a_named_env_file_that_is_missing_is_refused(tmp_path):
    missing = tmp_path / "nowhere.env"
    result = _manage("check", env=_bare_env(tmp_path, ENV_FILE=str(missing), DEBUG="1"))
    assert result.returncode == 1
    assert result.stderr == (
        f"scorecard: ENV_FILE names {missing}, which is not a file; fix it or set ENV_FILE=''.\n"
    )


def test_production_without_a_secret_says_so_in_one_line(tmp_path):
    result = _manage("check", env=_bare_env(tmp_path, ENV_FILE=""))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "scorecard: SECRET_KEY is missing or still the development default. In production mode "
        f"(DEBUG off) {ADVICE}\n"
    )


def test_production_with_the_development_default_says_so_in_one_line(tmp_path):
    env = _bare_env(tmp_path, ENV_FILE="", SECRET_KEY="insecure-dev-key-change-me")
    result = _manage("migrate", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("scorecard: SECRET_KEY is missing or still the development")
    assert result.stderr.count("\n") == 1


def test_production_with_a_weak_secret_says_so_in_one_line(tmp_path):
    weak = {
        "short": "x7Qp-short",
        "few characters": "abab" * 20,
        "Django's insecure prefix": "django-insecure-" + "Q9x!r7Lm2#vT8kZ4wY1&nB6cH3jD5fG0sA-0123",
    }
    for secret in weak.values():
        result = _manage("check", env=_bare_env(tmp_path, ENV_FILE="", SECRET_KEY=secret))
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == (
            "scorecard: SECRET_KEY is weak: production mode (DEBUG off) needs at least 50 "
            "characters, 5 of them different, not starting with 'django-insecure-'; "
            f"{ADVICE}\n"
        )


def test_the_tests_do_not_read_the_checkout_env_file():
    from django.conf import settings

    assert os.environ["ENV_FILE"] == ""
    assert settings.DEBUG is False
