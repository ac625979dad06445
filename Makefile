# `make` builds every leaflet into dist/; `make test` runs the tests.
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The system packages are part of the set-up too: a change to them re-runs it.
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt scripts/system-deps.sh | cksum | cut -d' ' -f1)

.PHONY: all build check test fuzz bench clean deps

all: build

$(STAMP): requirements.txt requirements-dev.txt scripts/system-deps.sh
	@sh scripts/system-deps.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

deps: $(STAMP)

build: $(STAMP)
	$(PY) build.py

check: $(STAMP)
	$(PY) build.py check

test: $(STAMP)
	$(PY) -m pytest -n 2 -q

fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-10000} $(PY) -m pytest -q -p no:xdist tests/test_fuzz.py

bench: $(STAMP)
	$(PY) bench/bench.py

clean:
	rm -rf dist
