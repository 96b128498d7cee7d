"""`python app.py` as a real process: health, start-up failures, graceful shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.e2e.conftest import free_port, policybot

ROOT = Path(__file__).resolve().parents[2]


def start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def get_json(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def wait_up(url: str, proc: subprocess.Popen[str]) -> tuple[int, dict[str, object]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            return get_json(url)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not come up")


def test_serves_healthz_and_shuts_down_gracefully(env: dict[str, str]) -> None:
    port = free_port()
    proc = start({**env, "PORT": str(port)})
    try:
        status, body = wait_up(f"http://127.0.0.1:{port}/healthz", proc)
        assert status == 200
        assert body["status"] == "ok"
        database = body["database"]
        assert isinstance(database, dict)
        assert (database["status"], database["read"], database["write"]) == ("ok", "ok", "ok")
        assert body["outbox"] == {"status": "ok", "waiting": 0, "failed": 0, "oldest_seconds": 0}
        content = body["content"]
        assert isinstance(content, dict) and content["faq_entries"] == 33
        assert body["slack"] == body["teams"] == {"status": "off", "reason": "not configured"}
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "channel slack: off" in out
    assert "channel teams: off" in out


def test_database_down_at_startup_is_a_clear_error(env: dict[str, str]) -> None:
    env = {
        **env,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "POLICYBOT_SECRET_KEY": "k" * 43,
        "PORT": str(free_port()),
    }
    proc = start(env)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "database unreachable" in out
    assert "Traceback" not in out, out


def test_invalid_setting_is_one_line(env: dict[str, str]) -> None:
    proc = start({**env, "PORT": "eighty"})
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert out.strip().splitlines() == [
        "policybot: invalid setting PORT: Input should be a valid integer, "
        "unable to parse string as an integer"
    ]


def test_secret_key_is_generated_once_and_kept(env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "POLICYBOT_SECRET_KEY")}
    first = policybot("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "data" / "secret.key"
    key = key_file.read_text()
    assert "generated a new secret key" in first.stderr
    second = policybot("db", "upgrade", env=env)
    assert key_file.read_text() == key
    assert "generated a new secret key" not in second.stderr
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_serves_chat_while_the_task_queue_is_down(env: dict[str, str]) -> None:
    port = free_port()
    proc = start({**env, "PORT": str(port), "TASK_BROKER_URL": "redis://127.0.0.1:1/0"})
    try:
        status, body = wait_up(f"http://127.0.0.1:{port}/healthz", proc)
        assert status == 200 and body["status"] == "ok"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "task queue unreachable (ConnectionError): check TASK_BROKER_URL" in out
    assert "Traceback" not in out, out


def test_data_files_are_the_owners_only_from_the_start(env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "POLICYBOT_SECRET_KEY")}
    port = free_port()
    # With no umask to hide behind, what the server creates must still be private.
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        umask=0,
    )
    try:
        status, _ = wait_up(f"http://127.0.0.1:{port}/healthz", proc)
        assert status == 200
        data = tmp_path / "data"
        modes = {p.name: oct(p.stat().st_mode & 0o777) for p in data.iterdir()}
        modes["."] = oct(data.stat().st_mode & 0o777)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert {"policybot.db", "policybot.db-wal", "policybot.db-shm", "secret.key"} <= set(modes)
    assert set(modes.values()) == {"0o600", "0o700"}, modes
    assert modes["."] == "0o700"
