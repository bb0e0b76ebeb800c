#!/bin/sh
# Run by the compose `genesis` service after make_genesis: gives each process's volume
# genesis and that process's own key only (the bootnode gets genesis alone), owned by the
# image's unprivileged user. The full network, every key included, stays on the `network`
# volume, which no other service mounts.
set -eu
FULL=${FULL:-/var/evoting/network}
OUT=${OUT:-/var/evoting/out}
OWNER=${OWNER:-evoting}

for who in validator-1 validator-2 validator-3 backend; do
    mkdir -p "$OUT/$who/keys"
    cp "$FULL/genesis.json" "$OUT/$who/genesis.json"
    cp "$FULL/keys/$who.key" "$OUT/$who/keys/$who.key"
done
mkdir -p "$OUT/bootnode"
cp "$FULL/genesis.json" "$OUT/bootnode/genesis.json"
chown -R "$OWNER" "$OUT"
chmod -R go-rwx "$OUT"
