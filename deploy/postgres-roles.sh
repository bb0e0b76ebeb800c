#!/bin/sh
# Run once by the postgres image, when its data volume is first initialised
# (/docker-entrypoint-initdb.d/). One login role per process that uses the server, each
# owning its own database; no role can connect to another's database. Passwords come from
# the environment (see scripts/compose_env.py).
set -eu

create() {  # role password database
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$1" -v password="$2" -v db="$3" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
}

create backend "$BACKEND_DB_PASSWORD" evoting
create validator_1 "$VALIDATOR_1_DB_PASSWORD" evoting_validator_1
create validator_2 "$VALIDATOR_2_DB_PASSWORD" evoting_validator_2
create validator_3 "$VALIDATOR_3_DB_PASSWORD" evoting_validator_3
