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
# COMPOSE_SMOKE_TIMEOUT (seconds, default 1200) bounds the whole run; at the deadline pytest
# is interrupted and still takes the project down.
set -eu
cd "$(dirname "$0")/../.."
deadline=$(($(date +%s) + ${COMPOSE_SMOKE_TIMEOUT:-1200}))
budget() {  # sets $remaining, the seconds before the deadline; stops if too few are left
    remaining=$((deadline - $(date +%s)))
    if [ "$remaining" -lt 60 ]; then
        echo "compose-smoke: out of time before $1 (COMPOSE_SMOKE_TIMEOUT)" >&2
        exit 1
    fi
}
STATE=test-artifacts/compose-host  # dockerd's log (when started here) and the build's
mkdir -p "$STATE"

if [ "$(id -u)" -ne 0 ]; then
    echo "compose-smoke: run it as root (it installs packages and starts dockerd)" >&2
    exit 1
fi
missing=""
need() {  # command package
    command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need dockerd docker.io
need docker-compose docker-compose
need debootstrap debootstrap
[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || missing="$missing debian-archive-keyring"
if [ -n "$missing" ]; then
    echo "== installing$missing"
    # On a host with systemd the docker.io package starts and enables docker.service itself;
    # that daemon is left running.
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
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
    # Its own process group (setsid): a Ctrl-C or a deadline meant for the run never reaches it.
    setsid dockerd >"$STATE/dockerd.log" 2>&1 &
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
budget "the base images"
timeout "$remaining" sh scripts/compose/stand-in-images.sh

echo "== docker build -t evoting:latest ."
start=$(date +%s)
budget "the image build"
if ! timeout "$remaining" docker build --network host -t evoting:latest . \
    >"$STATE/build.log" 2>&1; then
    tail -n 30 "$STATE/build.log" >&2
    echo "compose-smoke: docker build failed (log above, whole in $STATE/build.log)" >&2
    exit 1
fi
echo "built in $(($(date +%s) - start)) s"

echo "== tests/compose"
# SIGINT at the deadline, to pytest alone (--foreground): it still runs the fixture's
# teardown (logs kept, down -v). No terminal input: nothing may stop to ask.
budget "the tests"
timeout --foreground -s INT -k 120 "$remaining" \
    .venv/bin/python -m pytest tests/compose -m compose -s -x -p no:cacheprovider </dev/null
