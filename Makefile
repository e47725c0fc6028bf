# Wayfinder: `make run` starts everything, `make test` runs every test. Nothing else is needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed-stamp
# npm ci again only when the widget's lock file changes (the stamp lives in node_modules).
WEBCHAT_STAMP := webchat/node_modules/.installed-stamp
DOMAIN    := $(if $(wildcard domain/),domain,domain.yml)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup train train-fast run test check-content bench-insights lint clean chromium nginx services bench purge soak

help:
	@echo "make run            set up, train if needed, start the stack and print its URLs"
	@echo "make test           set up, train if needed, run the whole test suite"
	@echo "make setup          create .venv and install (only when pyproject.toml changed)"
	@echo "make train          build the spaCy pipeline and train the Rasa model if their inputs changed"
	@echo "make check-content  check the catalogue, the training data, reachability and the portal: one report"
	@echo "make train-fast     retrain quickly when only data changed (fine-tunes the newest model)"
	@echo "make bench-insights insights SQL over 100,000 generated conversations (not part of make test)"
	@echo "make lint           ruff"
	@echo "make bench          load test and profile (reports/bench.md; not part of make test)"
	@echo "make purge          delete conversations idle longer than WAYFINDER_RETENTION_DAYS (DAYS=n to override)"
	@echo "make soak           30 minutes of mixed load with process restarts (SOAK_MINUTES=n to shorten)"

# The virtualenv is (re)built only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml scripts/find-python310
	@python310="$$(scripts/find-python310)" || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
		echo "Creating $(VENV) with $$python310"; rm -rf $(VENV); "$$python310" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade "pip>=24" wheel
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# The chat widget's Socket.IO client, from npm (webchat/package-lock.json).
$(WEBCHAT_STAMP): webchat/package.json webchat/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20) is needed for the chat widget: apt-get install nodejs npm"; exit 1; }
	cd webchat && npm ci --no-audit --no-fund
	@touch $@

# The browser tests drive Debian's Chromium (never a downloaded browser); installed once.
chromium:
	@if ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "The browser tests need Debian's chromium. Install it with: sudo apt-get install chromium"; exit 1; \
		fi; \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi

# The scale profile puts Debian's nginx in front of the hubs and Rasa processes; installed once.
nginx:
	@if ! command -v nginx >/dev/null; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "The scale profile needs Debian's nginx. Install it with: sudo apt-get install nginx"; exit 1; \
		fi; \
		echo "Installing Debian's nginx for the scale profile"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx; \
	fi

# PostgreSQL and Redis on 127.0.0.1 (the scale profile, the store's migration tests, the scale
# tests): started when not running, installed from Debian's packages when missing (as root).
# A PostgreSQL installed here trusts local TCP connections, as the project's machines do.
services:
	@if ! { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }; then \
		if [ "$$(id -u)" != 0 ]; then echo "PostgreSQL is not running on 127.0.0.1:5432; start it, or: sudo make services"; exit 1; fi; \
		if ! command -v pg_ctlcluster >/dev/null; then \
			echo "Installing Debian's postgresql"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql || exit 1; \
			hba="$$(ls /etc/postgresql/*/main/pg_hba.conf | head -1)"; \
			sed -i '1i host all all 127.0.0.1/32 trust' "$$hba"; \
		fi; \
		pg_lsclusters -h | while read -r version cluster _; do pg_ctlcluster "$$version" "$$cluster" start || true; done; \
		for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
		pg_isready -h 127.0.0.1 -p 5432 || exit 1; \
	fi
	@if ! { command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; }; then \
		if [ "$$(id -u)" != 0 ]; then echo "Redis is not running on 127.0.0.1:6379; start it, or: sudo make services"; exit 1; fi; \
		if ! command -v redis-server >/dev/null; then \
			echo "Installing Debian's redis-server"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server || exit 1; \
		fi; \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no; \
		for i in $$(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done; \
		redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || exit 1; \
	fi

# Load and profile: 1, 20 and 100 concurrent conversations through the hub and straight to Rasa
# (reports/bench.md). Not part of `make test`; takes about half an hour and both cores.
bench: train nginx services
	$(PY) -m bench

setup: $(STAMP) $(WEBCHAT_STAMP)

train: setup
	$(VENV)/bin/wayfinder train

run: train
	$(VENV)/bin/wayfinder run

test: train chromium nginx services
	$(PY) -m pytest

# One report (CONTENT.md): catalogue, `rasa data validate --fail-on-warnings`, every service and
# problem reachable by a story or rule, no two catalogue phrases that read the same as customers
# word them, freshness against the running portal (PORTAL=url to choose).
check-content: setup
	$(PY) -m bot.content.check $(if $(PORTAL),--portal $(PORTAL))

# Only data changed (NLU examples, stories, rules, catalogue): fine-tune the newest model instead of
# training from scratch (a full training when config.yml or the domain changed).
train-fast: setup
	$(VENV)/bin/wayfinder train --fast

# Insights over 100,000 generated conversations (issue 6): SQL timings in reports/bench-insights.md.
bench-insights: setup
	$(PY) -m bench.insights

lint: setup
	$(VENV)/bin/ruff check bot actions demo_portal tests bench

clean:
	rm -rf build models .pytest_cache .ruff_cache

# 5-fold NLU cross-validation and the test stories; reports in reports/ (slow: five trainings).
.PHONY: evaluate
evaluate: train
	$(PY) -m bot.evaluate

# Retention: delete conversations idle for longer than WAYFINDER_RETENTION_DAYS (or DAYS=n).
purge: setup
	$(VENV)/bin/wayfinder purge $(if $(DAYS),--older-than-days $(DAYS))

# Soak test (issue 8): mixed load on a stack of its own for SOAK_MINUTES (default 30), restarting
# one process now and then; reports lost messages and memory. Not part of `make test`.
SOAK_MINUTES ?= 30
soak: train
	$(PY) bench/soak.py --minutes $(SOAK_MINUTES)
