import io
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from backontrack.accounts.models import User
from backontrack.core.models import Installation

BACKONTRACK = str(Path(sys.executable).with_name("backontrack"))


@pytest.mark.django_db
def test_totp_prints_a_code_that_signs_in(client: Client) -> None:
    out = io.StringIO()
    call_command("totp", "mentor05", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6
    assert code.isdigit()
    client.post("/signin/", {"username": "mentor05", "password": "demo-back-on-track"})
    assert client.post("/signin/code/", {"code": code})["Location"] == "/"


@pytest.mark.django_db
def test_totp_refuses_on_a_database_that_is_not_a_demo() -> None:
    Installation.objects.update(is_demo=False)
    with pytest.raises(CommandError, match="not a demo database"):
        call_command("totp", "mentor05")


@pytest.mark.django_db
def test_demo_data_is_never_loaded_into_a_database_with_other_data() -> None:
    Installation.objects.all().delete()
    with pytest.raises(CommandError, match="not a demo database"):
        call_command("demo", no_serve=True, stdout=io.StringIO())
    assert not Installation.objects.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command with its own settings: never the test session's database, whichever
    pass runs it."""
    env = {k: v for k, v in env.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}}
    return subprocess.run(
        [BACKONTRACK, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.engine_independent
def test_demo_sets_up_serves_and_keeps_its_data_when_run_again(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
    }
    env.update(BACKONTRACK_VAR_DIR=str(tmp_path), BACKONTRACK_DEMO_PASSWORD="a-demo-password")

    first = _run(["demo", "--no-serve"], env)
    assert first.returncode == 0, first.stderr
    assert "Loaded the synthetic demo data." in first.stdout
    assert "Password for every demo user: a-demo-password" in first.stdout
    assert "mentor10" in first.stdout
    assert (tmp_path / "backontrack.sqlite3").exists()

    second = _run(["demo", "--no-serve"], env)
    assert second.returncode == 0, second.stderr
    assert "Using the existing demo data." in second.stdout

    code = _run(["totp", "admin"], env)
    assert code.returncode == 0 and code.stdout.strip().isdigit()

    port = _free_port()
    server = subprocess.Popen(
        [BACKONTRACK, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = b""
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.2)
        assert body == b'{"status": "ok", "database": "ok"}'
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin/", timeout=5) as page:
            html = page.read().decode()
        assert "every person and record here is synthetic" in html
        static = html.split('href="/static/backontrack/app.')[1].split('"')[0]
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/backontrack/app.{static}", timeout=5
        ) as css:
            assert css.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.engine_independent
def test_check_deploy_passes_with_production_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    env.update(
        SECRET_KEY="x" * 30 + "production-like-secret-key-0123456789",
        ALLOWED_HOSTS="backontrack.example.org",
        BACKONTRACK_HTTPS="true",
        BACKONTRACK_VAR_DIR=str(tmp_path),
        BACKONTRACK_AUDIT_KEY=key,
        BACKONTRACK_FIELD_KEYS=key,
        BACKONTRACK_INDEX_KEY=key,
        BACKONTRACK_PSEUDONYM_KEY=key,
    )
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stderr
    without_keys = {k: v for k, v in env.items() if k != "BACKONTRACK_FIELD_KEYS"}
    missing = _run(["check", "--deploy", "--fail-level", "WARNING"], without_keys)
    assert "backontrack.W001" in missing.stderr
    insecure = _run(
        ["check", "--deploy", "--fail-level", "WARNING"], {**env, "BACKONTRACK_HTTPS": "false"}
    )
    assert insecure.returncode != 0


@pytest.mark.engine_independent
def test_the_local_secret_key_is_private_to_its_owner(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env["BACKONTRACK_VAR_DIR"] = str(tmp_path)
    assert _run(["check"], env).returncode == 0
    assert (tmp_path / "secret-key").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_demo_users_all_exist_with_their_roles() -> None:
    assert User.objects.get(username="mentor01").roles == ["mentor", "coach"]
    assert User.objects.get(username="mentor03").roles == ["mentor"]


@pytest.mark.django_db
def test_create_admin_bootstraps_the_first_administrator(client: Client) -> None:
    Installation.objects.all().delete()
    out = io.StringIO()
    call_command("create-admin", "it-admin", organisation="Region IT", stdout=out)
    link = next(line for line in out.getvalue().splitlines() if "/signin/link/" in line)
    user = User.objects.get(username="it-admin")
    assert user.roles == ["admin"]
    assert user.organisation is not None and user.organisation.name == "Region IT"
    assert not user.has_usable_password()
    path = link.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    assert client.post(path)["Location"] == "/signin/link/"
    chosen = client.post(
        "/signin/link/",
        {
            "new_password": "granite meadow lantern 7",
            "new_password_again": "granite meadow lantern 7",
        },
    )
    assert chosen["Location"] == "/signin/enrol/"
    with pytest.raises(CommandError, match="exists already"):
        call_command("create-admin", "it-admin", organisation="Region IT", stdout=io.StringIO())


@pytest.mark.engine_independent
def test_serve_refuses_plain_http_beyond_the_loopback_address(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["BACKONTRACK_VAR_DIR"] = str(tmp_path)
    result = _run(["serve", "--host", "0.0.0.0", "--port", str(_free_port())], env)  # noqa: S104
    assert result.returncode != 0
    assert "Refusing to serve on 0.0.0.0 over plain http" in result.stderr


@pytest.mark.django_db
def test_demo_data_is_never_loaded_after_the_first_administrator_exists() -> None:
    Installation.objects.all().delete()
    call_command("create-admin", "it-admin", organisation="Region IT", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not a demo database"):
        call_command("demo", no_serve=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="not a demo database"):
        call_command("totp", "it-admin")


@pytest.mark.django_db
def test_measure_register_reports_time_and_queries_per_page() -> None:
    out = io.StringIO()
    call_command("measure-register", repeat=1, stdout=out)
    report = out.getvalue()
    assert "mentees on" in report
    for page in ("list", "search by name and status", "detail", "search by personal ID"):
        assert page in report
    assert "queries" in report


@pytest.mark.engine_independent
def test_serve_refuses_to_listen_widely_without_explicit_keys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKONTRACK_")}
    env.update(BACKONTRACK_VAR_DIR=str(tmp_path), BACKONTRACK_HTTPS="true")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = _run(["serve", "--host", "0.0.0.0", "--port", str(_free_port())], env)  # noqa: S104
    assert result.returncode != 0
    assert "without BACKONTRACK_AUDIT_KEY" in result.stderr


def _sqlite_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.pop("DATABASE_URL", None)
    env["BACKONTRACK_VAR_DIR"] = str(var_dir)
    return env


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory as `backontrack migrate` leaves it in a new installation, made once
    for the session (migrating takes seconds); tests that go on from there use a copy."""
    var_dir = tmp_path_factory.mktemp("migrated")
    assert _run(["migrate", "--verbosity", "0"], _sqlite_env(var_dir)).returncode == 0
    return var_dir


@pytest.mark.engine_independent
def test_files_the_program_writes_are_private(migrated: Path) -> None:
    database = migrated / "backontrack.sqlite3"
    assert database.stat().st_mode & 0o077 == 0


@pytest.mark.engine_independent
def test_verify_audit_exits_1_when_the_trail_no_longer_reaches_its_checkpoint(
    migrated: Path, tmp_path: Path
) -> None:
    var_dir = tmp_path / "var"
    shutil.copytree(migrated, var_dir)
    env = _sqlite_env(var_dir)
    for name in ("it-admin", "second-admin"):
        created = _run(["create-admin", name, "--organisation", "Region IT"], env)
        assert created.returncode == 0, created.stderr
    written = _run(["audit-checkpoint"], env)
    assert written.returncode == 0, written.stderr
    assert "Audit checkpoint written" in written.stdout
    assert (var_dir / "audit-checkpoints.log").exists()
    intact = _run(["verify-audit"], env)
    assert intact.returncode == 0, intact.stderr
    assert "It reaches every checkpoint" in intact.stdout

    # Someone with the database file cuts the newest event and winds the head back.
    database = sqlite3.connect(var_dir / "backontrack.sqlite3")
    with database:
        kept_id, kept_hash = database.execute(
            "SELECT id, hash FROM audit_auditevent ORDER BY id DESC LIMIT 1 OFFSET 1"
        ).fetchone()
        database.execute("DELETE FROM audit_auditeventsubject WHERE event_id > ?", [kept_id])
        database.execute("DELETE FROM audit_auditevent WHERE id > ?", [kept_id])
        database.execute(
            "UPDATE audit_auditchainhead SET last_event_id = ?, last_hash = ?", [kept_id, kept_hash]
        )
    database.close()
    broken = _run(["verify-audit"], env)
    assert broken.returncode == 1
    assert f"the trail ends at event {kept_id}, but the checkpoint of" in broken.stderr


# Written through the application's own `record`: mentee views, lists of ten and failed
# sign-ins with text to escape, so the index of records concerned has one row or ten.
_RECORD_EVENTS = """
from backontrack.audit.models import Action
from backontrack.audit.services import record
for number in range(58):
    if number % 3 == 0:
        record(actor=None, action=Action.SIGN_IN_FAILED, username=f'Søren "{number}"\\n')
    elif number % 3 == 1:
        record(actor=None, action=Action.VIEW, object_type="mentees.mentee", object_id=str(number))
    else:
        record(
            actor=None, action=Action.LIST, object_type="mentees.mentee",
            object_ids=range(number, number + 10), fields=["first_name"],
        )
"""


@pytest.mark.engine_independent
def test_verify_audit_in_worker_processes_checks_the_links_between_their_chunks(
    migrated: Path, tmp_path: Path
) -> None:
    """`--workers 2 --batch-size 2` splits the trail into chunks of 20 events, checked by two
    processes side by side; a change at the boundary between two chunks is named as a walk
    in one process names it."""
    trail = tmp_path / "trail"
    shutil.copytree(migrated, trail)
    env = _sqlite_env(trail)
    written = _run(["shell", "-c", _RECORD_EVENTS], env)
    assert written.returncode == 0, written.stderr
    database = sqlite3.connect(trail / "backontrack.sqlite3")
    events = [row[0] for row in database.execute("SELECT id FROM audit_auditevent ORDER BY id")]
    database.close()
    assert len(events) == 58
    assert events[19] == 20  # the last event of the first chunk

    def verify_after(*statements: tuple[str, list[object]]) -> subprocess.CompletedProcess[str]:
        """verify-audit with two workers on a copy of the trail changed by `statements`."""
        copy = tmp_path / f"copy-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(trail, copy)
        database = sqlite3.connect(copy / "backontrack.sqlite3")
        with database:
            for sql, params in statements:
                database.execute(sql, params)
        database.close()
        return _run(
            ["verify-audit", "--workers", "2", "--batch-size", "2"],
            {**env, "BACKONTRACK_VAR_DIR": str(copy)},
        )

    intact = verify_after()
    assert intact.returncode == 0, intact.stderr
    assert "The audit trail is intact: 58 events checked." in intact.stdout

    # The first event of the second chunk changed: its worker checks its hash.
    changed = verify_after(
        ("UPDATE audit_auditevent SET actor_username = 'x' WHERE id = 21", []),
    )
    assert changed.returncode == 1
    assert "broken at event 21: its content was changed" in changed.stderr

    # The last event of the first chunk removed: each chunk holds by itself, the link
    # between them does not.
    removed = verify_after(
        ("DELETE FROM audit_auditeventsubject WHERE event_id = 20", []),
        ("DELETE FROM audit_auditevent WHERE id = 20", []),
    )
    assert removed.returncode == 1
    assert "broken at event 21: does not follow the event before it" in removed.stderr

    # The link rewritten to fit: the next chunk's first event names the hash the last event of
    # the chunk before now has, which its content does not give.
    relinked = verify_after(
        ("UPDATE audit_auditevent SET hash = ? WHERE id = 20", ["e" * 64]),
        ("UPDATE audit_auditevent SET previous_hash = ? WHERE id = 21", ["e" * 64]),
    )
    assert relinked.returncode == 1
    assert "broken at event 20: its content was changed" in relinked.stderr

    # An access to a person hidden at the boundary: the index row of the first chunk's last
    # event moved to the second chunk's first.
    hidden = verify_after(
        ("UPDATE audit_auditeventsubject SET event_id = 21 WHERE event_id = 20", []),
    )
    assert hidden.returncode == 1
    assert "broken at event 20: the records it concerns were changed" in hidden.stderr


@pytest.mark.django_db
def test_rebuild_alerts_derives_every_case_s_follow_ups_due_again() -> None:
    from backontrack.evaluation.models import DueFollowUp

    def rows() -> list[tuple[object, ...]]:
        return sorted(
            DueFollowUp.objects.values_list("group", "mentorship_id", "referral_id", "months")
        )

    kept = rows()
    assert kept
    DueFollowUp.objects.filter(
        pk__in=[row.pk for row in DueFollowUp.objects.order_by("pk")[::2]]
    ).delete()
    out = io.StringIO()
    call_command("rebuild-alerts", stdout=out)
    assert f"Follow-ups due derived: {len(kept)}." in out.getvalue()
    assert rows() == kept


@pytest.mark.django_db
def test_rebuild_alerts_derives_every_mentorships_alert_windows_again() -> None:
    from backontrack.mentorships.models import AlertWindow

    kept = sorted(AlertWindow.objects.values_list("mentorship_id", "kind", "begins_on", "ends_on"))
    assert kept
    AlertWindow.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild-alerts", stdout=out)
    assert "Alert windows derived for" in out.getvalue()
    assert (
        sorted(AlertWindow.objects.values_list("mentorship_id", "kind", "begins_on", "ends_on"))
        == kept
    )
