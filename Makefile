# The two commands a newcomer needs: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
ifdef PREVIEW_NOW
export PREVIEW_NOW
endif

.PHONY: run test deps chromium site clean

run: deps ## Site and registration API on http://127.0.0.1:$(PORT), on a local dynalite
	$(PY) -m registrations.local

test: deps chromium ## Every test: unit, integration (dynalite), browser (Chromium), deploy
	$(PY) -m pytest

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests; installed only where it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium (Debian package)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

site: deps
	$(PY) -m mkdocs build --strict

clean:
	rm -rf site .pytest_cache .bench

# Lighthouse lives in its own package (bench/), so `make test` never installs it.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: bench-site
bench-site: deps chromium bench/node_modules/.installed ## Page weight of /aanmelden/ and Lighthouse (mobile, median of 3) vs stock Material (prints numbers)
	$(PY) scripts/bench_site.py
