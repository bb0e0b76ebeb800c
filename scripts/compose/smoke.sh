#!/bin/sh
# `make compose-smoke`: docker-compose.yml run for real on this machine, as root.
#   1. installs docker.io, docker-compose and debootstrap from Debian's packages if missing,
#      and starts dockerd if none runs (and stops it again at the end);
#   2. pulls the base images, or builds stand-ins where no registry answers
#      (stand-in-images.sh);
#   3. builds evoting:latest from the checkout (the build reaches PyPI over the host's
#      network);
#   4. runs tests/compose (pytest -m compose): up under its own project name, every health
#      check, an election with trustees, votes, a validator killed and restarted, the tally,
#      then `down -v`, leaving nothing of the project behind.
# COMPOSE_SMOKE_TIMEOUT (seconds, default 1200) bounds the whole run.
set -eu
cd "$(dirname "$0")/../.."
STATE=test-artifacts/compose-host  # dockerd's log (when started here) and the build's
mkdir -p "$STATE"

need() {  # command package
    command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
missing=""
need dockerd docker.io
need docker-compose docker-compose
need debootstrap debootstrap
if [ -n "$missing" ]; then
    echo "== installing$missing"
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null
fi

started=""
stop_dockerd() {
    if [ -n "$started" ]; then
        echo "== stopping the dockerd this run started"
        kill "$started" 2>/dev/null || true
        i=0
        while kill -0 "$started" 2>/dev/null && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
    fi
}
trap stop_dockerd EXIT
trap 'exit 130' INT TERM
if ! docker info >/dev/null 2>&1; then
    echo "== starting dockerd (log: $STATE/dockerd.log)"
    dockerd >"$STATE/dockerd.log" 2>&1 &
    started=$!
    i=0
    until docker info >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 60 ] || ! kill -0 "$started" 2>/dev/null; then
            tail -n 20 "$STATE/dockerd.log" >&2
            echo "compose-smoke: dockerd did not start (log above)" >&2
            exit 1
        fi
        sleep 0.5
    done
fi

echo "== base images"
sh scripts/compose/stand-in-images.sh

echo "== docker build -t evoting:latest ."
start=$(date +%s)
if ! docker build --network host -t evoting:latest . >"$STATE/build.log" 2>&1; then
    tail -n 30 "$STATE/build.log" >&2
    echo "compose-smoke: docker build failed (log above, whole in $STATE/build.log)" >&2
    exit 1
fi
echo "built in $(($(date +%s) - start)) s"

echo "== tests/compose"
# SIGINT at the deadline: pytest still runs the fixture's teardown (logs kept, down -v).
timeout -s INT -k 60 "${COMPOSE_SMOKE_TIMEOUT:-1200}" .venv/bin/python -m pytest tests/compose -m compose \
    -s -p no:cacheprovider
