# Wayfinder: `make run` starts everything, `make test` runs every test. Nothing else is needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed-stamp
DOMAIN    := $(if $(wildcard domain/),domain,domain.yml)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup train run test check-content lint clean

help:
	@echo "make run            set up, train if needed, start the stack and print its URLs"
	@echo "make test           set up, train if needed, run the whole test suite"
	@echo "make setup          create .venv and install (only when pyproject.toml changed)"
	@echo "make train          build the spaCy pipeline and train the Rasa model if their inputs changed"
	@echo "make check-content  check the service catalogue against the portal"
	@echo "make lint           ruff"

# The virtualenv is (re)built only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml scripts/find-python310
	@python310="$$(scripts/find-python310)" || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
		echo "Creating $(VENV) with $$python310"; rm -rf $(VENV); "$$python310" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade "pip>=24" wheel
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP)

train: setup
	$(VENV)/bin/wayfinder train

run: train
	$(VENV)/bin/wayfinder run

test: train
	$(PY) -m pytest

check-content: setup
	$(PY) -m bot.catalogue check
	$(VENV)/bin/rasa data validate --domain $(DOMAIN) --data data/nlu data/rules data/stories --config config.yml

lint: setup
	$(VENV)/bin/ruff check bot actions demo_portal tests

clean:
	rm -rf build models .pytest_cache .ruff_cache
