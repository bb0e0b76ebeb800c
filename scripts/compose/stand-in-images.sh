#!/bin/sh
# The three base images docker-compose.yml and the Dockerfile name: python:3.11-slim,
# postgres:16 and redis:7. Each one already present is kept; a missing one is pulled, and
# where no registry can be reached (a machine that reaches only Debian's and PyPI's mirrors)
# a STAND-IN is built from Debian bookworm's packages under the same name:
#   python:3.11-slim  Debian's python3 (3.11), python3-venv, python3-pip; `python` names
#                     python3, and pip may install into the system (no EXTERNALLY-MANAGED)
#   postgres:16       Debian's postgresql-15, with postgres-entrypoint.sh honouring
#                     POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB and
#                     /docker-entrypoint-initdb.d/ as the official image does
#   redis:7           Debian's redis-server (7.0)
# A stand-in is for smoke-testing the compose file on such a machine, never for production:
# pull the real images there. Each stand-in carries the label org.evoting.stand-in=true, and
# a later run replaces it with the real image as soon as a registry answers. Each stand-in carries this machine's CA bundle, so that pip
# inside `docker build` trusts what this machine trusts.
# Needs root, docker and debootstrap. MIRROR (default http://deb.debian.org/debian) and
# WORK (default var/compose/stand-ins) can be set.
set -eu

MIRROR=${MIRROR:-http://deb.debian.org/debian}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-$HERE/../../var/compose/stand-ins}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
mkdir -p "$WORK/cache"
WORK=$(cd "$WORK" && pwd)

LABEL=org.evoting.stand-in
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

have() { docker image inspect "$1" >/dev/null 2>&1; }

is_stand_in() {
    [ "$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null)" = true ]
}

pulled() {
    # A registry that cannot be reached fails within seconds; a slow pull is given a minute.
    timeout 60 docker pull -q "$1" >/dev/null 2>&1
}

# Whatever debootstrap left mounted under a tree (it mounts /proc, and in a container binds
# device nodes), so that removing the tree never reaches the host's.
unmount_under() {
    awk -v root="$1/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r point; do umount -l "$point"; done
}

# stand_in NAME PACKAGES SETUP IMPORT-CHANGES...: debootstrap a minimal bookworm with
# PACKAGES, run SETUP (a shell function) on the tree, and import it as NAME.
stand_in() {
    name=$1 packages=$2 setup=$3
    shift 3
    root="$WORK/root-$(echo "$name" | tr ':/.' '---')"
    unmount_under "$root"
    rm -rf --one-file-system "$root" "$root.tar"
    echo "stand-in $name: debootstrap bookworm with $packages"
    # Every package checked against Debian's archive key, never taken unverified.
    debootstrap --variant=minbase --include="$packages" --cache-dir="$WORK/cache" \
        --keyring="$KEYRING" bookworm "$root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
        unmount_under "$root"
        tail -n 20 "$WORK/debootstrap.log" >&2
        echo "stand-in $name: debootstrap failed (log above)" >&2
        return 1
    }
    if [ -r "$CA_BUNDLE" ]; then
        cp "$CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
    fi
    unmount_under "$root"
    "$setup" "$root"
    rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
    # Through a file, not a pipe: a tar that fails must not leave a truncated image.
    tar -C "$root" --one-file-system -cf "$root.tar" .
    docker import --change "LABEL $LABEL=true" "$@" "$root.tar" "$name" >/dev/null
    rm -rf --one-file-system "$root" "$root.tar"
    echo "stand-in $name: imported"
}

setup_python() {
    ln -sf python3 "$1/usr/bin/python"
    rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED
}

setup_postgres() {
    # The package's own cluster is not used: the entry script makes one in PGDATA.
    rm -rf "$1/var/lib/postgresql/15" "$1/etc/postgresql/15"
    install -m 0755 "$HERE/postgres-entrypoint.sh" "$1/usr/local/bin/docker-entrypoint.sh"
    mkdir -p "$1/docker-entrypoint-initdb.d"
}

setup_redis() {
    :
}

ensure() {
    name=$1
    shift
    if have "$name" && ! is_stand_in "$name"; then
        echo "image $name: present"
    elif pulled "$name"; then
        echo "image $name: pulled"
    elif have "$name"; then
        echo "image $name: the stand-in built earlier (no registry answers)"
    else
        echo "image $name: no registry answers; building a stand-in from Debian's packages"
        stand_in "$name" "$@"
    fi
}

ensure python:3.11-slim python3,python3-venv,python3-pip,ca-certificates setup_python \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]'
ensure postgres:16 postgresql-15,ca-certificates setup_postgres \
    --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'CMD ["postgres"]' \
    --change 'EXPOSE 5432'
ensure redis:7 redis-server,ca-certificates setup_redis \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["redis-server", "--protected-mode", "no"]' \
    --change 'EXPOSE 6379'
