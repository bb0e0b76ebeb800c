#!/bin/sh
# Entry script of the postgres:16 STAND-IN (scripts/compose/stand-in-images.sh), for machines
# that cannot pull the official image. Like the official image's: on an empty PGDATA it makes
# a cluster whose superuser POSTGRES_USER (default postgres) logs in over TCP with
# POSTGRES_PASSWORD, creates POSTGRES_DB, and runs /docker-entrypoint-initdb.d/*.sh and *.sql
# once; then it runs the server as the postgres user.
set -eu

PGDATA=${PGDATA:-/var/lib/postgresql/data}
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
export PGDATA POSTGRES_USER POSTGRES_DB

if [ "${1:-postgres}" != postgres ]; then
    exec "$@"
fi
[ $# -gt 0 ] && shift  # the rest are the server's own arguments
: "${POSTGRES_PASSWORD:?the postgres stand-in needs POSTGRES_PASSWORD}"

mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"

as_postgres() { runuser -u postgres -- "$@"; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
    chown postgres "$password_file"
    as_postgres initdb --username="$POSTGRES_USER" --pwfile="$password_file" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
    rm -f "$password_file"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    # First start on the socket alone: nothing reaches it over TCP before the scripts ran.
    as_postgres pg_ctl --wait --silent -o "-c listen_addresses=''" start
    if [ "$POSTGRES_DB" != postgres ]; then
        echo 'CREATE DATABASE :"db";' | as_postgres psql -v ON_ERROR_STOP=1 \
            --username "$POSTGRES_USER" --dbname postgres -v db="$POSTGRES_DB" >/dev/null
    fi
    for script in /docker-entrypoint-initdb.d/*; do
        case "$script" in
            *.sh) echo "initdb: $script"; as_postgres sh "$script" ;;
            *.sql) echo "initdb: $script"; as_postgres psql -v ON_ERROR_STOP=1 \
                --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$script" ;;
        esac
    done
    as_postgres pg_ctl --wait --silent -m fast stop
fi

# The server itself as PID 1 (no su-like parent that would SIGKILL it on stop): it gets the
# stop signal (SIGINT, docker-compose.yml's stop_signal) and shuts down cleanly.
exec setpriv --reuid=postgres --regid=postgres --init-groups \
    postgres -c listen_addresses='*' "$@"
