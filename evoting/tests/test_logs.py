"""LOG_FORMAT=json: every line a process writes to its log is one JSON object."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from validators.env import EnvError
from validators.logs import log_context, logging_config

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def json_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The root logger as a validator's settings configure it with LOG_FORMAT=json, writing
    into a string; the logging set-up before it is put back afterwards."""
    monkeypatch.setenv("LOG_FORMAT", "json")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logging.config.dictConfig(logging_config("validator-2"))
    stream = io.StringIO()
    (console,) = root.handlers
    assert isinstance(console, logging.StreamHandler)
    console.setStream(stream)
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    logging.captureWarnings(False)


def test_a_json_line_names_its_node_and_the_ids_in_context(json_logging: io.StringIO) -> None:
    logger = logging.getLogger("evoting.test.logs")
    with log_context(election=7):
        logger.info("vote accepted", extra={"transaction": "ab" * 32})
    logger.warning("outside any context")

    inside, outside = _records(json_logging)
    assert inside["message"] == "vote accepted"
    assert inside["level"] == "INFO"
    assert inside["logger"] == "evoting.test.logs"
    assert inside["node_id"] == "validator-2"
    assert (inside["election"], inside["transaction"]) == (7, "ab" * 32)
    assert str(inside["timestamp"]).startswith("20")
    assert "election" not in outside


def test_an_unknown_log_format_stops_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(EnvError, match="LOG_FORMAT"):
        logging_config("backend")


def test_every_line_of_the_backend_web_process_is_a_json_object(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "LOG_FORMAT": "json", "VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True
    )
    command = [sys.executable, "-m", "gunicorn", "evoting.wsgi:application"]
    with open(tmp_path / "web.log", "wb") as log:
        web = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120  # a loaded machine starts gunicorn slowly
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, "the backend did not answer"
                time.sleep(0.2)
            refused = requests.post(
                f"http://127.0.0.1:{port}/api/auth/login",
                json={"email": "nobody@example.org", "password": "not the password"},
                timeout=10,
            )
            assert refused.status_code == 401
        finally:
            web.send_signal(signal.SIGTERM)
            web.wait(timeout=30)

    lines = (tmp_path / "web.log").read_text().splitlines()
    records = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    loggers = {r["logger"] for r in records}
    assert {"gunicorn.error", "gunicorn.access"} <= loggers
    django_lines = [r for r in records if not str(r["logger"]).startswith("gunicorn")]
    assert django_lines and all(r["node_id"] == "backend" for r in django_lines)
