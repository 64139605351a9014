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

.PHONY: run test deps chromium site clean package bench-package infra publish lock lint wheel

run: deps ## Site and registration API on http://127.0.0.1:$(PORT), on a local dynalite
	$(PY) -m registrations.dev

test: deps chromium package lint ## Every test: lint and types, unit, integration (dynalite), browser (Chromium), deploy
	$(PY) -m pytest

# Static checks: ruff (lint) on all Python, mypy (strict) on the function.
PYTHON_SOURCES := functions deploy tests benchmarks overrides
lint: deps
	$(PY) -m ruff check $(PYTHON_SOURCES)
	$(PY) -m mypy

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

# Rewrite the generated parts of infra/template.yaml (key schema, CSP hashes of the built site's inline scripts).
infra: deps
	$(PY) -m deploy.infra

# The hashed lock of the runtime dependencies and Zappa (requirements/lambda.txt), which the Lambda venv is built
# from. Run after changing a pin in pyproject.toml; pip-tools lives in a venv of its own (.venv-lock).
lock:
	test -x .venv-lock/bin/pip-compile || { $(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install --quiet --disable-pip-version-check pip-tools==7.6.2; }
	.venv-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --extra lambda \
	  --no-emit-index-url --no-emit-find-links --output-file requirements/lambda.txt pyproject.toml

# The Lambda zip of a stage, from a clean runtime-only venv (.venv-lambda), offline, without AWS credentials.
# Rebuilt only when an input changed. Deploy it with `zappa deploy|update $(STAGE) --zip dist/...zip`.
STAGE ?= production
package: deps
	$(PY) -m deploy.package --stage $(STAGE)

# The wheel staff install with their own Python and one pip command (STAFF.md, chapter 3): dist/*.whl.
wheel: deps
	$(PY) -m deploy.wheel

# Build the site for the stage's public address and sync it to its bucket (AWS credentials needed).
publish: deps
	$(PY) -m deploy.publish --stage $(STAGE)

# Zip size and cold-start import times of the packaged handler, before and after the .pyc recompile.
bench-package: package
	$(PY) -m deploy.bench_package --stage $(STAGE)

clean:
	rm -rf site .pytest_cache dist .bench

# Benchmarks print numbers against a baseline measured in the same run; they are not tests.
.PHONY: bench-api bench-export bench-site
bench-api: deps ## Latency of POST /api/registrations vs raw put_item, and import time
	$(PY) benchmarks/api_benchmark.py

bench-export: deps ## Export of 5,000 registrations vs a raw query of the partition
	$(PY) benchmarks/export_benchmark.py

# Lighthouse lives in its own package (bench/), so `make test` never installs it.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench-site: deps chromium bench/node_modules/.installed ## Page weight of /aanmelden/ and Lighthouse (mobile, median of 3) vs stock Material
	$(PY) benchmarks/site_benchmark.py
