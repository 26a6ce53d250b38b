# Two commands set everything up: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
STAMP  := $(VENV)/.installed
# rasa 3.6 needs Python 3.10: .python-version names it for pyenv.
PYTHON310 ?= $(shell command -v python3.10 2>/dev/null || ls -d $$(pyenv root 2>/dev/null)/versions/3.10.*/bin/python3.10 2>/dev/null | tail -n 1)

.PHONY: help install run cluster bench train shell check lint eval compare test test-fast mutate clean browser-deps languages

help:
	@echo "make run      install what is missing, train if needed, start the assistant"
	@echo "make cluster  SERVERS Rasa servers (default 2) behind HAProxy on PostgreSQL and Redis"
	@echo "make bench    ours against stock Rasa on the same content; our cluster of 2 against one"
	@echo "make test     install what is missing, run make lint, then the whole suite"
	@echo "make lint     ruff on the whole tree and mypy (config in pyproject.toml)"
	@echo "make check    content checks: rasa data validate, handbook coverage, SMS lengths, translations"
	@echo "make languages  language identification accuracy and time on the frozen sets"
	@echo "make eval     the frozen set (evaluation/frozen) per category against its targets, then held-out F1 (results/)"
	@echo "make compare  train config.yml and configs/*.yml; compare F1, training and prediction time"
	@echo "make shell    talk to the running assistant in the terminal"
	@echo "make mutate   mutation testing of identity, keys, signatures, privacy (not in make test)"

$(STAMP): constraints.txt pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found (pyenv install 3.10)"; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	@echo "Installing the Python packages into $(VENV) (constraints.txt; the first time takes a few minutes) ..."
	$(PY) -m pip install -q --upgrade "pip<26"
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	@echo "Installed."
	@touch $(STAMP)

install: $(STAMP)

train: $(STAMP)
	$(PY) -m bot train

run: $(STAMP)
	$(PY) -m bot run

# Several Rasa servers on this machine (bot/cluster.py); README "Several servers".
SERVERS ?= 2
cluster: $(STAMP)
	$(PY) -m bot run --servers $(SERVERS)

bench: train
	$(PY) -m bot bench

shell: $(STAMP)
	$(PY) -m bot shell

check: $(STAMP)
	$(RASA) data validate --fail-on-warnings
	$(PY) -m bot coverage
	$(PY) -m bot translations

# Lint and types are gates: make test stops here before the suite runs.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# make eval LANGS="pl uk": only those languages of the frozen set (evaluation/frozen/<code>/).
LANGS ?=
eval: train
	$(PY) -m bot eval $(foreach code,$(LANGS),--lang $(code))

languages: train
	$(PY) -m bot languages

compare: $(STAMP)
	$(PY) -m bot compare

# The store tests and one end-to-end test also run on a real PostgreSQL,
# started by scripts/postgres.sh (installed from Debian's packages if missing).
# The browser tests (tests/browser) need Debian's Chromium and two npm packages.
BROWSER_NPM := tests/browser/node_modules/.package-lock.json
$(BROWSER_NPM): tests/browser/package-lock.json
	cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund

browser-deps: $(BROWSER_NPM)
	@scripts/chromium.sh >/dev/null

test: lint train browser-deps
	@PG_URL=$$(scripts/postgres.sh start) || exit 1; \
	$(PY) -m pytest -q --durations=25 --postgres-url "$$PG_URL"; status=$$?; \
	scripts/postgres.sh stop; exit $$status

# Mutation testing (mutmut) of the code where a silent bug is a breach: see
# scripts/mutation/scope.py for the modules and tests/mutation_equivalents.tsv for the
# survivors written down as equivalent. Too slow for make test. The survivors
# of the run on SQLite are tested again with the store tests on PostgreSQL too
# (one at a time: each test session empties the database's public schema).
mutate: $(STAMP)
	@PG_URL=$$(scripts/postgres.sh start) || exit 1; \
	nice -n 10 $(PY) scripts/mutate.py >/dev/null; status=$$?; \
	if [ $$status -ne 2 ]; then \
	  nice -n 10 $(PY) scripts/mutate.py --again --postgres-url "$$PG_URL"; status=$$?; \
	fi; \
	scripts/postgres.sh stop; exit $$status

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not e2e and not slow"

clean:
	rm -rf results .pytest_cache
