# Roster: `make run` to try it, `make test` to prove it. Every target is safe to repeat.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app roster
HOST ?= 127.0.0.1
PORT ?= 5000
VENDOR := static/vendor

.PHONY: install run test lint format bench screenshots mutate clean

install: $(VENV)/.installed $(VENDOR)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.installed: node_modules/.installed Makefile
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/dist/htmx.min.js.map $(VENDOR)/
	cp node_modules/htmx.org/dist/ext/hx-sse.min.js node_modules/htmx.org/dist/ext/hx-sse.min.js.map $(VENDOR)/
	rm -f $(VENDOR)/axe.min.js  # a test tool: e2e reads it from node_modules, the site never serves it
	touch $@

run: install
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) seed --if-empty --users 250 --posts 600 --demo-admin
	@echo "Roster runs on http://$(HOST):$(PORT)/ (Ctrl-C stops it)."
	FLASK_DEBUG=1 $(FLASK) run --host $(HOST) --port $(PORT)

/usr/bin/chromium:
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

# nginx: e2e/test_servers.py starts it from deploy/nginx.conf in front of two app servers.
/usr/sbin/nginx:
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null

test: install /usr/bin/chromium /usr/sbin/nginx
	$(BIN)/djlint templates --lint
	$(BIN)/ruff check site tests e2e bench gunicorn.conf.py
	$(BIN)/ruff format --check site tests e2e bench gunicorn.conf.py
	@# The unit tests on PostgreSQL and on SQLite at once (two cores, two databases); the
	@# browser tests start when the SQLite pass ends (the shorter one), beside the last minute
	@# of the PostgreSQL pass, whose report is printed at the end. Beside both unit passes
	@# (tried 2026-12-03) they took four times as long and a toast timed out.
	mkdir -p build
	$(BIN)/pytest tests --db=postgres -p no:cacheprovider > build/tests-postgres.log 2>&1 & \
		postgres=$$!; $(BIN)/pytest tests -p no:cacheprovider; sqlite=$$?; \
		$(BIN)/pytest e2e; e2e=$$?; \
		wait $$postgres; postgres=$$?; echo "---- unit tests on PostgreSQL:"; \
		tail -n 40 build/tests-postgres.log; [ $$sqlite = 0 ] && [ $$postgres = 0 ] && [ $$e2e = 0 ]

# BENCH_ARGS: e.g. --users 1000000, --sqlite or --postgres (default: both), --duration 5 (see bench/README.md).
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# Mutation testing (not part of `make test`; slow): mutmut in build/mutate/, where site/ is staged
# as src/ so that the tests import the mutated copy. Results are kept between runs; the score is
# killed / (killed + survived + timeouts) over the modules [tool.mutmut] names in pyproject.toml.
MUTATE := build/mutate
mutate: install
	mkdir -p $(MUTATE)
	rsync -a --delete site/ $(MUTATE)/src/
	rsync -a --delete tests templates static docs README.md $(MUTATE)/
	cp pyproject.toml $(MUTATE)/
	@# make test runs the unit tests on both engines, so a mutant either pass kills is killed:
	@# the survivors of the SQLite pass (PostgreSQL-only code among them) are rerun on PostgreSQL.
	@# Each pass logs to $(MUTATE)/<engine>.log; a pass that fails (its clean run, say) fails the
	@# target with the log's end, so no score is printed as if it had run.
	cd $(MUTATE) && { ../../$(BIN)/mutmut run --max-children 2 >sqlite.log 2>&1 \
			|| { tail -n 40 sqlite.log; exit 1; }; } && \
		survivors=$$(../../$(BIN)/mutmut results | awk -F: '/: survived$$/ {print $$1}') && \
		{ [ -z "$$survivors" ] || ROSTER_TEST_DB=postgres ../../$(BIN)/mutmut run --max-children 2 \
			$$survivors >postgres.log 2>&1 || { tail -n 40 postgres.log; exit 1; }; } && \
		../../$(BIN)/mutmut export-cicd-stats >/dev/null && ../../$(BIN)/mutmut results
	$(BIN)/python -c "import json; s = json.load(open('$(MUTATE)/mutants/mutmut-cicd-stats.json')); \
		tested = s['total'] - s['skipped']; \
		print(f\"mutation score: {s['killed'] + s['timeout']} of {tested} mutants killed ({100 * (s['killed'] + s['timeout']) / tested:.1f} %)\")"

lint: install
	$(BIN)/djlint templates --lint
	$(BIN)/ruff check site tests e2e bench
	$(BIN)/ruff format --check site tests e2e bench

format: install
	$(BIN)/ruff format site tests e2e bench
	$(BIN)/ruff check --fix site tests e2e bench

screenshots: install /usr/bin/chromium
	$(BIN)/pytest e2e/screenshots.py -q

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache test-results
