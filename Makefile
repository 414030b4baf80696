# Commonpool: `make run` to try it, `make test` to check it.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
PY := $(VENV)/bin/python
FLASK := FLASK_APP=wsgi.py $(VENV)/bin/flask
PG_UP := $(shell $(PYTHON) -c "import socket; s=socket.socket(); s.settimeout(1); print('yes' if s.connect_ex(('127.0.0.1', 5432)) == 0 else 'no')")

.PHONY: install run test lint translations test-sqlite test-postgres test-faults bench bench-scheduler bench-app bench-instant bench-stats bench-load bench-peer bench-regional bench-pools clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install lint test-sqlite test-postgres

# The house rules a machine can check: ruff (configured in pyproject.toml) and the import contracts
# (layers app -> fleet -> scheduling and inside fleet, no flask in fleet, no cycles; docs/architecture.md).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test-sqlite:
	COMMONPOOL_TEST_DATABASE=sqlite $(PY) -m pytest -q

# The database-facing tests again on PostgreSQL; required in CI, skipped with a note elsewhere.
test-postgres:
ifeq ($(PG_UP),yes)
	COMMONPOOL_TEST_DATABASE=postgres $(PY) -m pytest -q -m db
else ifeq ($(CI),true)
	@echo "PostgreSQL is required in CI but does not answer on 127.0.0.1:5432" && exit 1
else
	@echo "PostgreSQL not running on 127.0.0.1:5432: database tests ran on SQLite only"
endif

# The live fault suite (tests/faults/test_fault_suite.py, ~2 minutes): gunicorn -w 4, PostgreSQL, its own Redis and an
# RQ worker under load while a gunicorn worker, PostgreSQL backends, Redis and the RQ worker are killed; prints a
# table and fails on an overlap, a lost booking, a run left open or a fault not recovered from. Needs PostgreSQL
# on 127.0.0.1:5432 and redis-server; not part of `make test`.
test-faults: install
	$(PY) -m pytest -q -s -m faults -p no:cacheprovider tests/faults/test_fault_suite.py

# Maintainers: extract the strings, merge them into the French and German catalogues, compile the .mo files
# (committed, so installing needs no compile step). Translate the new empty msgstr entries, then run it again.
# fleet's message templates: the first argument of the error classes, `msg` and `flag`, the fourth of `notify`.
MESSAGE_KEYWORDS := -k DomainError -k ValidationFailed -k NotFound -k Conflict -k Forbidden -k msg -k flag \
	-k notify:4 -k notify_coordinators:3

translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k lazy_gettext $(MESSAGE_KEYWORDS) --no-location --sort-output --project Commonpool -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --width 110
	$(VENV)/bin/pybabel compile -d app/translations --statistics

bench: bench-scheduler bench-app bench-instant bench-stats

# Every set by default (about 15 minutes): the moderate one, --overload (60 s instances, demand 0.8-6x the fleet),
# --six-months (hotel-shaped), --large (10,000 and 50,000 requests, 300 s). Narrow it with BENCH_FLAGS, e.g.
# BENCH_FLAGS="--overload --only" or --quick; --limit-factor F multiplies every time limit by F.
BENCH_FLAGS ?= --all
bench-scheduler: install
	$(PY) bench/bench_scheduler.py $(BENCH_FLAGS)

# The app end to end: a year of demo history, 2,000 open requests, one batch run to applied.
bench-app: install
	$(PY) bench/bench_app.py

# Instant answers to 300 flexible requests, first come first served against making room (two fresh SQLite).
bench-instant: install
	$(PY) bench/bench_instant.py $(ARGS)

# Dashboard queries over one million bookings (SQLite; pass ARGS=--database-url=... for PostgreSQL).
bench-stats: install
	$(PY) bench/bench_stats.py $(ARGS)

# gunicorn -w 4 on PostgreSQL then SQLite, 50 clients, 60 s of mixed traffic, overlap check (~4 minutes).
bench-load: install
	$(PY) bench/bench_load.py $(ARGS)

# Commonpool against Indico 3.2.9's room booking (installed from PyPI into .bench/indico, its own PostgreSQL
# database), gunicorn -w 4 each, one load generator, interleaved repetitions, and a race (bench/README.md).
# CPU heavy, about 10 minutes (more the first time: installing and seeding Indico); not part of `make test`.
bench-peer: install
	$(PY) bench/bench_peer.py $(ARGS)

# A regional batch run (4,000 requests, 8 towns) in one process and split across 1, 2 and 4 RQ workers started
# here, on a redis-server of its own (bench/README.md); about 5 minutes; not part of `make test`.
bench-regional: install
	$(PY) bench/bench_regional.py $(ARGS)

# Search across pools: 100 pools (10,000 assets, 100,000 members, a year of bookings) against one pool of the same
# shape, on PostgreSQL (bench/README.md); about 15 minutes, most of it loading; not part of `make test`.
bench-pools: install
	$(PY) bench/bench_pools.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache instance
