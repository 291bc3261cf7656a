# TechMarket — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
E2E_STAMP := $(VENV)/.e2e-stamp
export FLASK_APP := marketplace
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
# make fuzz: examples per operation and role, the seed, and schemathesis' phases.
FUZZ_EXAMPLES ?= 50
FUZZ_SEED ?= 20261129
FUZZ_PHASES ?= examples,coverage,fuzzing
HOST ?= 127.0.0.1
PORT ?= 5000
PO_FILES := $(wildcard marketplace/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: install run migrate demo test test-pg test-wheel drills e2e chromium fuzz fuzz-short lint format translations extract-messages bench eval clean

# Create the virtualenv and install the app with its dev extras, once per change of setup.cfg.
$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

translations: $(STAMP) $(MO_FILES)

install: $(STAMP) translations

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load

# Migrates, loads the demo data once, starts the local search server, serves the app.
run: install
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python scripts/run_dev.py

# Two pytest-xdist workers (the machine has two cores; PYTEST_WORKERS=0 runs in one process);
# tests that share a costly session server (localstripe, the fuzzer's world) stay on one
# worker. `make test` reports coverage and fails if it drops below COV_MIN percent.
PYTEST_WORKERS ?= 2
COV_MIN ?= 89
XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadgroup)

test: install
	$(BIN)/pytest $(XDIST) --cov --cov-report=term:skip-covered --cov-fail-under=$(COV_MIN)

test-pg: install
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest $(XDIST)

# The fault drills alone (they also run in `make test` and `make test-pg`, each under
# half a minute): on SQLite, then on PostgreSQL, where the database-restart drill runs.
drills: install
	$(BIN)/pytest -p no:xdist -m drill
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -p no:xdist -m drill

# The wheel alone in a fresh virtualenv, run as production runs it: gunicorn, two outbox
# workers, PostgreSQL (a database of its own), noida-db, Redis (tests/deploy/test_wheel.py).
test-wheel: install
	$(BIN)/pytest -m wheel -s tests/deploy/test_wheel.py

# Browser tests in Debian's headless chromium, driven by Playwright (which downloads nothing).
$(E2E_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,e2e]'
	touch $(E2E_STAMP)

# Debian's chromium, and a CJK font so that failure screenshots are readable.
APT_INSTALL := apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make e2e needs Debian's chromium; as root: apt-get install chromium fonts-wqy-zenhei"; exit 1; \
	  fi; \
	  $(APT_INSTALL) chromium fonts-wqy-zenhei; \
	elif ! fc-list :lang=zh family 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ]; then $(APT_INSTALL) fonts-wqy-zenhei; \
	  else echo "note: no Chinese font, failure screenshots show boxes (apt-get install fonts-wqy-zenhei)"; fi; \
	fi

e2e: install $(E2E_STAMP) chromium
	$(BIN)/pytest tests/e2e
# schemathesis against the app's own /api/openapi.json, in-process, as every role in turn
# (tests/fuzz): no 5xx, every status documented, every body in its documented shape.
fuzz: install
	FUZZ_ROLES=all FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) \
		FUZZ_PHASES=$(FUZZ_PHASES) $(BIN)/pytest tests/fuzz

# The version CI runs: fewer examples, no coverage phase (about a minute).
fuzz-short:
	$(MAKE) fuzz FUZZ_EXAMPLES=10 FUZZ_PHASES=examples,fuzzing

# ruff, and the layers of ARCHITECTURE.md (import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

extract-messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -k lazy_pgettext:1c,2 -o marketplace/translations/messages.pot .
	# zh translates every message; en holds only the pages' own English wording (by hand).
	$(BIN)/pybabel -q update -i marketplace/translations/messages.pot -d marketplace/translations -l zh

bench: install
	$(BIN)/python bench/import.py

# The matcher and the plain baseline on eval/data/dev, side by side (temporary instance).
eval: install
	$(BIN)/python scripts/eval_match.py

clean:
	rm -rf $(VENV) instance *.egg-info
