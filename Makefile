# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# make bench: notes to generate, the database on the embedded server (unless DATABASE_URL is
# set), and extra options for seed_bench (e.g. --reset) and bench (e.g. --requests 500).
# make test: how many processes run the suite (pytest-xdist; auto = one per core).
TEST_WORKERS ?= auto
BENCH_NOTES ?= 100000
BENCH_DATABASE ?= papernotes_bench
BENCH_SEED_ARGS ?= --if-empty
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint fmt clean clean-db stop-db install install-dev migrate demo bench \
	backup restore cluster-test

help:
	@echo "make run    - install, migrate, load demo content, serve on http://$(HOST):$(PORT)"
	@echo "make test   - install with dev tools, lint, run the whole test suite"
	@echo "make lint   - ruff check and format check"
	@echo "make fmt    - ruff fix and format"
	@echo "make stop-db - stop the embedded PostgreSQL server"
	@echo "make clean  - remove the virtualenv, caches and collected static files"
	@echo "make clean-db - stop the embedded server and delete its data (var/pgdata)"
	@echo "make backup - dump the database to var/backups/ (OUTPUT=path to choose the file)"
	@echo "make restore FILE=path - load a dump into the configured database, which must be empty"
	@echo "make cluster-test - two app servers, haproxy, a primary and a replica (tests/cluster)"
	@echo "make bench  - seed $(BENCH_NOTES) notes into a separate database once, then load-test (docs/benchmarks.md)"
	@echo "              (BENCH_NOTES=1000000, BENCH_SEED_ARGS=--reset, BENCH_ARGS=\"--label 'busy'\")"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo

# The web server, a job worker beside it, and the embedded database watched; Ctrl-C stops all.
run: demo
	$(BIN)/python manage.py serve $(HOST):$(PORT)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS)

backup: install
	$(BIN)/python manage.py backup $(if $(OUTPUT),--output "$(OUTPUT)")

restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/….dump"; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)"

# Needs haproxy and redis-server (apt-get install haproxy redis-server).
cluster-test: install-dev
	$(BIN)/pytest -m cluster tests/cluster

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

stop-db:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -c "from pathlib import Path; from papernotes import embedded_db; print('stopped' if embedded_db.stop(Path('var/pgdata')) else 'not running')"; fi

clean: stop-db
	rm -rf $(VENV) var/static var/bench-static .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

clean-db: stop-db
	rm -rf var/pgdata

# The benchmark never touches the development data: with DATABASE_URL unset it uses its own
# database on the embedded server; a DATABASE_URL that is set is used as it is. Its commands
# come from the bench app, which only bench.settings installs (the site does not need it).
bench: install
	@set -e; \
	if [ -z "$$DATABASE_URL" ]; then \
		DATABASE_URL="$$($(BIN)/python -c 'from bench.databases import embedded_database_url as url; print(url("$(BENCH_DATABASE)"))')"; \
		test -n "$$DATABASE_URL"; \
	fi; \
	export DATABASE_URL; \
	echo "Benchmark database: $$DATABASE_URL"; \
	$(BIN)/python manage.py migrate --noinput; \
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py seed_bench --notes $(BENCH_NOTES) $(BENCH_SEED_ARGS); \
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py bench $(BENCH_ARGS)
