# `make` publishes every leaflet into dist/ and archive/ (the version rules apply); `make drafts` builds drafts into
# drafts/ (edit and rebuild freely: nothing there reaches a patient); `make test` runs the tests; `make lint` runs ruff and mypy;
# `make messages` updates the catalogues of labels in locales/.
# Each creates .venv and installs the locked dependencies (every transitive one, with hashes) on first use.

# The Python .venv is made from: the distribution's own /usr/bin/python3 where it is 3.11 or later (Debian builds
# it with profile-guided and link-time optimisation: measured side by side, renders take 9% less CPU and the tests
# 8% less time than under a Python compiled without them, such as pyenv's default), else python3 on PATH.
# scripts/ci.py holds that rule for both (Windows has no make). `make PYTHON=python3.12` chooses another; .venv is
# made again when the choice changes.
ifndef PYTHON
PYTHON := $(shell python3 scripts/ci.py base-python 2>/dev/null || echo python3)
endif
BASE   := $(shell $(PYTHON) -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null)
VENV   := .venv
PY     := $(VENV)/bin/python
LOCKS  := requirements.lock requirements-dev.lock
# The system packages and the Python .venv is made from are part of the set-up too: a change to them re-runs it.
STAMP  := $(VENV)/.installed-$(shell (cat $(LOCKS) pyproject.toml scripts/system-deps.sh; echo $(BASE)) | cksum | cut -d' ' -f1)
# macOS: WeasyPrint finds Homebrew's Pango here. It is set on each command, as macOS clears DYLD_* from the
# environment of /bin/sh. Empty elsewhere. (Windows has no make: scripts/ci.py does deps, test and lint.)
LIBS   := $(if $(filter Darwin,$(shell uname -s)),DYLD_FALLBACK_LIBRARY_PATH="$$(brew --prefix)/lib" ,)
# The lock covers Linux, macOS and Windows (markers) on Python 3.11 and later.
COMPILE = $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes

.PHONY: all build drafts check test lint lock fuzz bench clean deps messages

all: build

$(STAMP): $(LOCKS) pyproject.toml scripts/system-deps.sh
	@sh scripts/system-deps.sh
	@if [ -x $(PY) ] && [ "$$($(PY) -c 'import os, sys; print(os.path.realpath(sys._base_executable))')" != "$(BASE)" ]; \
	  then echo "Making $(VENV) again, from $(PYTHON) ($(BASE))"; rm -rf $(VENV); fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

deps: $(STAMP)

build: $(STAMP)
	$(LIBS)$(PY) build.py publish

drafts: $(STAMP)
	$(LIBS)$(PY) build.py

check: $(STAMP)
	$(LIBS)$(PY) build.py check

# Bytecode is written (into the ignored __pycache__ folders) even where PYTHONDONTWRITEBYTECODE is set: about 90
# processes the tests start import publisher, and each would compile it again (0.1 s each), as would each
# xdist worker the test modules (2 s).
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(LIBS)$(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check publisher
	$(VENV)/bin/mypy publisher

# After changing requirements.txt or requirements-dev.txt: make lock, then commit the .lock files.
lock: $(STAMP)
	$(COMPILE) requirements.txt -o requirements.lock
	$(COMPILE) requirements-dev.txt -o requirements-dev.lock

fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-10000} $(LIBS)$(PY) -m pytest -q -p no:xdist tests/test_fuzz.py

bench: $(STAMP)
	$(LIBS)$(PY) bench/bench.py

# After changing a label in templates/ or publisher/: extract locales/leaflets.pot and update every
# locales/<lang>/LC_MESSAGES/leaflets.po (new labels arrive untranslated: translate them, or check fails).
messages: $(STAMP)
	$(LIBS)$(PY) -m publisher.i18n .

clean:
	rm -rf dist drafts
