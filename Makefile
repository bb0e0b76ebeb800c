# evoting: `make run` starts everything on this machine, `make test` checks everything.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

# pytest exits 5 when a path holds no tests yet: that is not a failure here.
pytest = $(PY) -m pytest $(1) || test $$? -eq 5

.PHONY: .venv run test test-large test-faults compose-smoke iptables lint bench clean messages gettext static browser chromium demo-decrypt

# Reinstalls whenever requirements.txt is newer than the last install.
$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

.venv: $(STAMP)

run: .venv messages static
	$(PY) scripts/devrun.py

# With `make run` up and the demo election closed: trustees 1 and 2 of 3 decrypt it.
demo-decrypt: .venv
	$(PY) scripts/demo_decrypt.py

# Each Django project gets its own pytest run, with its own settings module.
test: .venv messages static chromium
	$(PY) -m ruff check .
	$(call pytest,validators --ds=validators.node.settings --ignore=validators/bootnode/tests)
	$(call pytest,validators/bootnode/tests --ds=validators.bootnode.settings)
	$(call pytest,apps evoting scripts evcrypto trustee --ds=evoting.settings)
	$(call pytest,tests/integration -m integration)
	$(call pytest,tests/browser -m browser --ds=evoting.settings)

# Compiled translation catalogues (.mo) are built here, never committed.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

messages: $(MO_FILES)

%.mo: %.po | gettext
	msgfmt --check -o $@ $<

gettext:
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext; }

# The browser's ballot code, bundled with @noble/curves from npm (no CDN); rebuilt when the
# sources or the lock file change.
BALLOT_JS := apps/pages/static/pages/build/ballot.js

static: $(BALLOT_JS)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

$(BALLOT_JS): node_modules/.package-lock.json $(wildcard apps/pages/js/*.js)
	npm run --silent build

# Playwright (Python, pinned in requirements.txt) drives Debian's Chromium through the voter
# pages (tests/browser); it never downloads a browser of its own.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }

browser: .venv messages static chromium
	$(call pytest,tests/browser -m browser --ds=evoting.settings)

# Browser tests over bench-sized data, minutes long: a background tally of 100,000 ballots
# watched in the admin. .ci/run runs them after `make test`.
test-large: .venv messages static chromium
	$(call pytest,tests/browser -m large --ds=evoting.settings)

# Seeded fault schedules on a namespaced network (docs/faults.md), as root: SEEDS crash
# schedules of FAULT_SECONDS each (seeds 1..SEEDS), then BYZ_SEEDS runs of a Byzantine
# validator-4 (N = 4, q = 3) of BYZ_SECONDS each. SEED=<n> replays one crash seed alone,
# BYZ_SEED=<n> one Byzantine seed alone.
SEEDS ?= 3
FAULT_SECONDS ?= 40
BYZ_SEEDS ?= 2
BYZ_SECONDS ?= 40
FAULT_SEEDS = $(if $(BYZ_SEED),,$(or $(SEED),$(shell seq -s, 1 $(SEEDS))))
BYZANTINE_SEEDS = $(if $(SEED),,$(or $(BYZ_SEED),$(shell seq -s, 1 $(BYZ_SEEDS))))

test-faults: .venv iptables
	FAULT_SEEDS=$(FAULT_SEEDS) FAULT_SECONDS=$(FAULT_SECONDS) \
	BYZANTINE_SEEDS=$(BYZANTINE_SEEDS) BYZANTINE_SECONDS=$(BYZ_SECONDS) \
		$(PY) -m pytest tests/faults -s -p no:cacheprovider

# docker-compose.yml for real, as root (docs/operations.md): installs Docker and docker-compose
# if missing, pulls the base images or builds stand-ins (scripts/compose/), builds the image,
# brings the project up, votes, kills and restarts a validator, tallies, and takes it all down.
compose-smoke: .venv messages static
	sh scripts/compose/smoke.sh

iptables:
	@command -v iptables >/dev/null || { apt-get update -qq && apt-get install -y -qq iptables; }

# mypy --strict (settings in pyproject.toml) over everything but tests and migrations, one run
# per Django project so that django-stubs reads that project's settings.
lint: .venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_SETTINGS_MODULE=evoting.settings $(PY) -m mypy apps evoting scripts evcrypto trustee validators/core validators/audit.py
	DJANGO_SETTINGS_MODULE=validators.node.settings $(PY) -m mypy validators/chain validators/node validators/env.py validators/embedded_broker.py validators/metrics_export.py
	DJANGO_SETTINGS_MODULE=validators.bootnode.settings $(PY) -m mypy validators/bootnode

bench: .venv
	@for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script"; \
		PYTHONPATH=$(CURDIR) $(PY) "$$script" || exit 1; \
	done

clean:
	rm -rf var/
