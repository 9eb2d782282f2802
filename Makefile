# The two commands that matter: `make run` and `make test`. Everything installs itself into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: run test lint typecheck unit bench bench-quick fuzz crash cluster clean chromium ui-test screenshots compat-doc

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && $(PY) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/trackpost serve

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile -q --durations=15 $(PYTEST_ARGS)

test: lint typecheck unit

# docs/compatibility.md from tests/compat/vendor_params.py (a test fails while it is stale).
compat-doc: $(STAMP)
	$(BIN)/python -m tests.compat.table

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

# Long runs of the bounded security and reliability tests (see SECURITY.md). A fresh seed each
# run unless TRACKPOST_FUZZ_SEED is given; set TRACKPOST_TEST_POSTGRES_URL to cover PostgreSQL.
# `crash` also sends RYW_PAIRS write-then-read pairs across two servers and across one server's
# two workers (click then postback, lock or unlock then set_customer_details, lock then a read),
# each read expected to see its write.
FUZZ_EXAMPLES ?= 3000
CRASH_ROUNDS ?= 25
CONCURRENCY_REQUESTS ?= 5000
RYW_PAIRS ?= 20000

fuzz: $(STAMP)
	@seed=$${TRACKPOST_FUZZ_SEED:-$$(date +%s)}; \
	echo "fuzz seed $$seed (repeat with TRACKPOST_FUZZ_SEED=$$seed make fuzz)"; \
	TRACKPOST_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TRACKPOST_FUZZ_SEED=$$seed \
	$(BIN)/python -m pytest -q --timeout=0 tests/security/test_schema_fuzz.py $(PYTEST_ARGS)

crash: $(STAMP)
	TRACKPOST_CRASH_ROUNDS=$(CRASH_ROUNDS) TRACKPOST_CONCURRENCY_REQUESTS=$(CONCURRENCY_REQUESTS) \
	TRACKPOST_RYW_PAIRS=$(RYW_PAIRS) $(BIN)/python -m pytest -q -s --timeout=0 tests/reliability $(PYTEST_ARGS)

# The console's browser tests drive Debian's Chromium (Playwright's own browser download is
# not used). `make chromium` installs it; without it the browser tests skip.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

ui-test: $(STAMP) chromium
	$(BIN)/python -m pytest -q tests/ui $(PYTEST_ARGS)

# The pictures of docs/admin-ui.md, taken by the browser tests.
screenshots: $(STAMP) chromium
	TRACKPOST_SCREENSHOTS=docs/admin-ui $(BIN)/python -m pytest -q tests/ui/test_browser.py tests/ui/test_browser_operations.py tests/ui/test_browser_reports.py $(PYTEST_ARGS)
# Two `trackpost serve` hosts behind HAProxy (deploy/haproxy) on one PostgreSQL: CLUSTER_ROUNDS
# rolling restarts under a mixed write stream, then a kill -9; and the database outages
# (a private PostgreSQL stopped for OUTAGE_SECONDS, SQLite's disk filled). `make test` runs one
# round and one outage of each.
CLUSTER_ROUNDS ?= 10
OUTAGE_SECONDS ?= 10
cluster: $(STAMP)
	TRACKPOST_TEST_POSTGRES_URL=$${TRACKPOST_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	TRACKPOST_CLUSTER_ROUNDS=$(CLUSTER_ROUNDS) TRACKPOST_OUTAGE_SECONDS=$(OUTAGE_SECONDS) \
	$(BIN)/python -m pytest -q -s --timeout=0 tests/reliability/test_cluster.py \
	  tests/reliability/test_outage.py tests/ops/test_shutdown.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
