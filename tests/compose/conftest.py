"""The compose project, up once for the module and down (with its volumes) at the end."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Generator, Iterator

import pytest

from tests.compose.compose import ARTIFACTS, PORTS, REPO, Compose

UP_TIMEOUT = 300
PASSED = pytest.StashKey[bool]()


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
    tests = [item for item in request.session.items if item.module is request.module]
    try:
        project.up(UP_TIMEOUT)
        yield project
    finally:
        try:
            # Kept unless every test passed: a failure, an error, a run stopped at its deadline.
            if not all(item.stash.get(PASSED, False) for item in tests):
                saved = project.save_logs()
                print(f"\nevery service's log is in {saved.relative_to(REPO)}/")
        finally:
            project.down()
        left = project.leftovers()
        assert not left, f"docker-compose down -v left {left}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[PASSED] = report.passed
    return report
