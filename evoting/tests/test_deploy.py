"""Production settings: Django's deployment checks pass with a production-like environment,
the API docs load nothing from a CDN, and generated files are private."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from django.test import Client

REPO = Path(__file__).resolve().parents[2]


def test_the_deployment_checks_pass_in_a_production_like_environment(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "evoting.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "vote.example.org",
        "HTTPS": "true",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_the_api_docs_load_their_scripts_from_this_site() -> None:
    page = Client().get("/api/docs/").content.decode()
    assert "cdn." not in page and "jsdelivr" not in page and "unpkg" not in page
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in page


def test_files_the_backend_makes_are_its_owners_alone(tmp_path: Path) -> None:
    probe = (
        "import evoting.settings, pathlib; "
        f"pathlib.Path({str(tmp_path / 'made')!r}).write_text('x')"
    )
    env = {**os.environ, "VAR_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, check=True)
    assert stat.S_IMODE((tmp_path / "made").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


# ------------------------------------------------------------------------- docker-compose.yml


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded["services"]


def volumes_of(service: dict[str, Any]) -> set[str]:
    return {mount.split(":")[0] for mount in service.get("volumes", [])}


def test_each_compose_service_mounts_only_its_own_key() -> None:
    services = compose()
    holders = {name for name, service in services.items() if "network" in volumes_of(service)}
    assert holders == {"genesis"}  # the volume with every key
    for n in (1, 2, 3):
        for name in (f"validator-{n}", f"validator-{n}-worker"):
            # and the node's metrics, shared by its web and worker (no key in it)
            assert volumes_of(services[name]) == {
                f"validator-{n}-network",
                f"validator-{n}-metrics",
            }
    assert volumes_of(services["backend"]) == {"backend-network", "backend-var"}
    assert volumes_of(services["bootnode"]) == {"bootnode-network"}


def test_the_split_gives_each_process_genesis_and_its_own_key(tmp_path: Path) -> None:
    full, out = tmp_path / "network", tmp_path / "out"
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # validators/manage.py picks the node's
    subprocess.run(
        [sys.executable, "validators/manage.py", "make_genesis", "--network-dir", str(full)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    split = {**env, "FULL": str(full), "OUT": str(out), "OWNER": str(os.getuid())}
    subprocess.run(["sh", "deploy/split-network.sh"], cwd=REPO, env=split, check=True)

    for who in ("validator-1", "validator-2", "validator-3", "backend"):
        held = sorted(str(p.relative_to(out / who)) for p in (out / who).rglob("*.*"))
        assert held == ["genesis.json", f"keys/{who}.key"]
        key = out / who / "keys" / f"{who}.key"
        assert key.read_bytes() == (full / "keys" / f"{who}.key").read_bytes()
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert [p.name for p in (out / "bootnode").iterdir()] == ["genesis.json"]


def test_each_compose_process_has_its_own_database_role() -> None:
    services = compose()
    users = {}
    for name in ("backend", "validator-1", "validator-2", "validator-3"):
        env = services[name]["environment"]
        url = urlsplit(env.get("NODE_DATABASE_URL") or env["DATABASE_URL"])
        assert url.password and url.password.startswith("${"), name  # from the environment
        users[name] = url.username
    assert users == {
        "backend": "backend",
        "validator-1": "validator_1",
        "validator-2": "validator_2",
        "validator-3": "validator_3",
    }
    for n in (1, 2, 3):  # web and worker of one node: the same role
        node = services[f"validator-{n}"]["environment"]
        assert services[f"validator-{n}-worker"]["environment"] == node
    roles = (REPO / "deploy" / "postgres-roles.sh").read_text()
    for user in users.values():
        assert f"create {user} " in roles


def test_compose_redis_takes_a_password_every_client_sends() -> None:
    services = compose()
    assert "--requirepass" in " ".join(services["redis"]["command"])
    for name, service in services.items():
        url = service.get("environment", {}).get("REDIS_URL")
        if url is not None:
            assert url.startswith("redis://:${REDIS_PASSWORD"), name
