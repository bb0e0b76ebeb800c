"""The compose project, up once for the module and down (with its volumes) at the end."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.compose.compose import ARTIFACTS, PORTS, REPO, Compose

UP_TIMEOUT = 300


@pytest.fixture(scope="module")
def compose(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Compose]:
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is missing: run make compose-smoke, which installs it")
    env_file = tmp_path_factory.mktemp("compose") / "env"
    subprocess.run(
        [sys.executable, "scripts/compose_env.py", "--path", str(env_file)], cwd=REPO, check=True
    )
    with env_file.open("a") as extra:
        extra.writelines(f"{name}={port}\n" for name, port in PORTS.items())
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    project = Compose(env_file)
    project.down()  # whatever an interrupted run left
    failed_before = request.session.testsfailed
    came_up = False
    try:
        project.up(UP_TIMEOUT)
        came_up = True
        yield project
    finally:
        if not came_up or request.session.testsfailed > failed_before:
            saved = project.save_logs()
            print(f"\nevery service's log is in {saved.relative_to(REPO)}/")
        project.down()
        left = project.leftovers()
        assert not left, f"docker-compose down -v left {left}"
