"""The bootnode: peer discovery for the validator network (a one-app Django project).

Validators register their URL under a signature by their genesis key, send heartbeats, and fetch
the other live peers; peers silent for longer than BOOTNODE_PEER_TTL_SECONDS are dropped. The
registry is in the database, so it survives restarts. `client.py` is the Django-free caller.

Run it (genesis in $NETWORK_DIR, default var/network/genesis.json):
    DJANGO_SETTINGS_MODULE=validators.bootnode.settings python -m django migrate
    gunicorn validators.bootnode.wsgi:application --bind 127.0.0.1:8546
Test it (its own Django project, so its own run):
    pytest validators/bootnode/tests --ds=validators.bootnode.settings
"""
