# Two commands: `make demo` runs the product, `make test` runs the tests.
# Each creates .venv when missing and reinstalls only when pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers for `make test` (the machine has 2 cores); TEST_JOBS=0 runs in one process.
TEST_JOBS ?= 2

export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: demo test install clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/outsignal demo

test: $(STAMP)
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@# The production profile's test starts Debian's PostgreSQL and Redis in temporary folders.
	@{ test -x /usr/bin/redis-server && test -x /usr/lib/postgresql/15/bin/initdb; } || { \
	  echo "installing Debian's redis-server and postgresql for the production profile test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql >/dev/null; }
	@# Test stores and Dagster instances live in memory (/dev/shm) when it is there: same files, no disk syncs.
	@# Two phases: everything under pytest-xdist ($(TEST_JOBS) workers), then the few tests that assert
	@# wall-clock bounds, alone. A phase with nothing selected (exit 5) is fine when the other ran tests.
	@base=$$( (test -w /dev/shm && mktemp -d /dev/shm/outsignal-tests.XXXXXX) || mktemp -d ); \
	  $(BIN)/python -m pytest --basetemp=$$base/parallel --phase parallel -n $(TEST_JOBS) --dist worksteal $(PYTEST_ARGS); p=$$?; \
	  $(BIN)/python -m pytest --basetemp=$$base/serial --phase serial -p no:xdist $(PYTEST_ARGS); s=$$?; \
	  rm -rf $$base; \
	  if [ $$p -eq 5 ] && [ $$s -eq 5 ]; then exit 5; fi; \
	  if [ $$p -ne 0 ] && [ $$p -ne 5 ]; then exit $$p; fi; \
	  if [ $$s -ne 0 ] && [ $$s -ne 5 ]; then exit $$s; fi

bench: $(STAMP)
	@{ test -x /usr/bin/redis-server && test -x /usr/lib/postgresql/15/bin/initdb; } || { \
	  echo "installing Debian's redis-server and postgresql for the production profile benchmark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql >/dev/null; }
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .dagster_home data build *.egg-info
