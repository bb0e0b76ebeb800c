#!/usr/bin/env python
"""Random passwords for docker-compose.yml, written to `.env` (which docker-compose reads).

    python scripts/compose_env.py [--path .env] [--force]

One password each for the PostgreSQL superuser, the backend's role, each validator's role
and Redis, the bearer token Prometheus sends for GET /metrics, and Grafana's admin password. The file is readable by its owner only; git and the image build ignore it. It
refuses to replace an existing file unless given --force: the PostgreSQL roles keep the
passwords they were created with, so new ones would lock the services out.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VALIDATORS = 3
NAMES = (
    "POSTGRES_PASSWORD",
    "BACKEND_DB_PASSWORD",
    *(f"VALIDATOR_{n}_DB_PASSWORD" for n in range(1, VALIDATORS + 1)),
    "REDIS_PASSWORD",
    "METRICS_TOKEN",
    "GRAFANA_ADMIN_PASSWORD",
)


def env_text() -> str:
    # Hex: safe inside the database and Redis URLs without escaping.
    return "".join(f"{name}={secrets.token_hex(24)}\n" for name in NAMES)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=REPO / ".env")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args(argv)
    if args.path.exists() and not args.force:
        print(f"error: {args.path} exists; pass --force to replace it", file=sys.stderr)
        return 1
    descriptor = os.open(args.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(env_text())
    os.chmod(args.path, 0o600)
    print(f"wrote {args.path} ({', '.join(NAMES)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
