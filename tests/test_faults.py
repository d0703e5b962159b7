"""Faults (issue 18, item 8): a full disk under MEDIA_ROOT answers 507 and leaves no file; a
database lock held past the busy timeout answers 503 with nothing stored; abandoned upload
previews are removed after their age, by the beat task and at sign-out.

The full disk is a real one: a 64 KiB tmpfs filled to the last byte (the tests run as root, as CI
does). The busy database is a real SQLite file whose write lock a second connection holds while
a real server process (gunicorn) answers, with DATABASE_BUSY_TIMEOUT at 0.2 s.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from scorecard.middleware import BUSY_MESSAGE, DISK_FULL_MESSAGE
from scorecard.services import previews
from scorecard.tasks.previews import purge_upload_previews
from tests.vendors.ingest_helpers import sample, vendor
from vendors.models import Report, ReportUpload

ROOT = Path(__file__).resolve().parent.parent


def _files(root: Path) -> list[str]:
    """Every file under ``root``, relative, sorted (directories left out)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def full_media(tmp_path, settings):
    """MEDIA_ROOT on a 64 KiB tmpfs with not one byte free."""
    mount = tmp_path / "full"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"CI must be able to mount a tmpfs: {mounted.stderr!r}")
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr!r}")
    try:
        media = mount / "media"
        for folder in ("reports/2026/12", "pending-uploads"):
            (media / folder).mkdir(parents=True)
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
        with pytest.raises(OSError) as probe:
            (media / "probe").write_bytes(b"x")
        assert probe.value.errno == errno.ENOSPC
        (media / "probe").unlink()
        settings.MEDIA_ROOT = media
        yield media
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_on_api_upload_is_a_507_and_leaves_nothing(api, org, full_media):
    nw = vendor(org, "northwind-billing")
    answer = api.post(
        "/api/v1/reports/",
        {
            "vendor": nw.pk,
            "file": SimpleUploadedFile("nw.csv", sample("northwind-billing_2026-09_wide.csv")),
        },
        format="multipart",
    )
    assert answer.status_code == 507
    assert answer.json() == {
        "detail": "The server's disk is full; nothing was stored. Try again later, or tell your "
        "administrator."
    }
    assert answer.json()["detail"] == DISK_FULL_MESSAGE
    assert (ReportUpload.objects.count(), Report.objects.count()) == (0, 0)
    assert _files(full_media) == []


def test_disk_full_on_upload_preview_is_a_507_page_and_leaves_nothing(
    client, admin_user, org, full_media
):
    nw = vendor(org, "northwind-billing")
    client.force_login(admin_user)
    answer = client.post(
        "/upload/",
        {
            "vendor": nw.pk,
            "period": "",
            "file": SimpleUploadedFile("nw.csv", sample("northwind-billing_2026-09_wide.csv")),
        },
    )
    assert answer.status_code == 507
    html = answer.content.decode()
    assert "<h1>Disk full</h1>" in html
    assert "The server&#x27;s disk is full; nothing was stored." in html
    assert _files(full_media) == []
    assert client.session.get("pending_uploads", {}) == {}


def test_the_storage_refuses_a_write_it_cannot_finish_whole(full_media):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    with pytest.raises(OSError) as refused:
        default_storage.save("reports/2026/12/big.csv", ContentFile(b"x" * 200_000))
    assert refused.value.errno == errno.ENOSPC
    assert _files(full_media) == []


# --- Upload previews --------------------------------------------------------------------------
def _preview(client, v):
    answer = client.post(
        "/upload/",
        {
            "vendor": v.pk,
            "period": "",
            "file": SimpleUploadedFile("nw.csv", sample("northwind-billing_2026-09_wide.csv")),
        },
    )
    assert answer.status_code == 200
    return answer.context["token"]


@pytest.mark.django_db
def test_previews_older_than_the_setting_are_purged_by_the_beat_task(
    client, admin_user, org, settings
):
    settings.UPLOAD_PREVIEW_MAX_AGE_HOURS = 24
    nw = vendor(org, "northwind-billing")
    client.force_login(admin_user)
    old, fresh = _preview(client, nw), _preview(client, nw)
    pending = Path(settings.MEDIA_ROOT) / "pending-uploads"
    assert sorted(os.listdir(pending)) == sorted([old, fresh])
    day_ago = (timezone.now() - dt.timedelta(hours=24, minutes=1)).timestamp()
    os.utime(pending / old, (day_ago, day_ago))
    hour_ago = (timezone.now() - dt.timedelta(hours=23)).timestamp()
    os.utime(pending / fresh, (hour_ago, hour_ago))

    assert purge_upload_previews.delay().get() == 1  # as the beat schedule queues it
    assert os.listdir(pending) == [fresh]
    expired = client.post("/upload/confirm/", {"token": old}, follow=True)
    assert "That preview has expired; upload the file again." in expired.content.decode()
    assert Report.objects.count() == 0

    settings.UPLOAD_PREVIEW_MAX_AGE_HOURS = 1
    assert previews.previews_purge() == 1
    assert os.listdir(pending) == []


@pytest.mark.django_db
def test_sign_out_removes_the_sessions_previews(client, admin_user, org, settings):
    nw = vendor(org, "northwind-billing")
    client.force_login(admin_user)
    tokens = [_preview(client, nw) for _ in range(2)]
    other = client.__class__()
    other.force_login(admin_user)
    theirs = _preview(other, nw)
    pending = Path(settings.MEDIA_ROOT) / "pending-uploads"
    assert sorted(os.listdir(pending)) == sorted([*tokens, theirs])
    assert client.post("/logout/").status_code == 302
    assert os.listdir(pending) == [theirs]  # the other session's preview is its own


def test_the_beat_schedule_runs_the_purge_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scorecard-purge-upload-previews"]
    assert entry["task"] == "scorecard.purge_upload_previews"
    assert (entry["schedule"].minute, entry["schedule"].hour) == ({15}, set(range(24)))


# --- A busy database ----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    drop = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "DATABASE_BUSY_TIMEOUT": "0.2",
            "SECRET_KEY": "busy-test-" + "k" * 50,
            "SECURE_SSL_REDIRECT": "0",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
    )
    return env


SETUP = """
from rest_framework.authtoken.models import Token
from vendors import services
org = services.organization_create(name="Busy practice", slug="busy")
user = services.user_create(username="boss", password="kestrel-ochre-41", organization=org,
                            role="admin")
print(Token.objects.create(user=user).key)
"""


def _call(url: str, token: str, payload: dict) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(  # noqa: S310 - a server of this test on localhost
        url,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310 - localhost
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _migrated_sqlite_file(path: Path, run: dict) -> None:
    """A migrated SQLite database at ``path``: a copy of this run's own (migrated, with the KPI
    catalog) test database when that is SQLite, which saves a ~25 s ``migrate``; else migrate."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(path)])
        return
    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], **run)
    assert migrated.returncode == 0, migrated.stderr


# transaction=True: VACUUM cannot run inside the test's transaction; serialized_rollback keeps
# the KPI catalog for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lock_held_past_the_busy_timeout_is_a_503_with_nothing_stored(tmp_path):
    env = _env(tmp_path)
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 300}
    _migrated_sqlite_file(tmp_path / "db.sqlite3", run)
    made = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], **run)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    port = _free_port()
    log = (tmp_path / "server.log").open("w")  # a file, not a pipe nobody reads
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "scorecard.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}/api/v1/vendors/"
    try:
        for _ in range(300):  # until the worker answers (it loads the app after binding)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5):
                    break
            except OSError:
                time.sleep(0.1)
        holder = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held past the 0.2 s busy timeout
        try:
            status, headers, body = _call(url, token, {"name": "Acme Billing"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert status == 503, (body, (tmp_path / "server.log").read_text()[-3000:])
        assert json.loads(body) == {
            "detail": "The database is busy; nothing was stored. Try again in a moment."
        }
        assert json.loads(body)["detail"] == BUSY_MESSAGE
        assert headers["Retry-After"] == "5"
        check = sqlite3.connect(tmp_path / "db.sqlite3")
        assert check.execute("SELECT count(*) FROM vendors_vendor").fetchone() == (0,)
        check.close()
        # With the lock released the same request stores the vendor.
        status, _, body = _call(url, token, {"name": "Acme Billing"})
        assert status == 201, body
        assert json.loads(body)["slug"] == "acme-billing"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.mark.django_db
def test_disk_full_while_storing_a_rendered_pdf_leaves_no_partial_file(full_media):
    from scorecard.services.jobs import job_complete

    with pytest.raises(OSError) as refused:
        job_complete(
            job_id=1, attempt=1, data=b"%PDF-" + b"x" * 200_000, relative_path="scorecards/a.pdf"
        )
    assert refused.value.errno == errno.ENOSPC
    assert _files(full_media) == []
