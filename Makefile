# The two commands a newcomer needs: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
# The function runs on Python 3.13, here as on Lambda (python3.13). Found on the PATH, or among pyenv's versions
# (where `python3.13` on the PATH may be a shim that refuses until pyenv is told which version to use).
# Override: make PYTHON=/path/to/python3.13 ...
PYTHON_VERSION := 3.13
PYTHON ?= $(shell for p in python$(PYTHON_VERSION) $$(ls -d $$HOME/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION) 2>/dev/null | sort -V | tail -n 1); do \
  "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(PYTHON_VERSION))))' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
comma := ,
export PYTHON
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
ifdef PREVIEW_NOW
export PREVIEW_NOW
endif

.PHONY: run test deps chromium site clean package bench-package infra publish lock lint wheel new-meeting

run: $(VENV)/.installed-run node_modules/.installed ## Site and registration API on http://127.0.0.1:$(PORT), on a local dynalite
	@$(PY) -m registrations.dev

# The contract suite runs on its own in a shuffled order (pytest-random-order, a new seed each run, printed at the
# top: --random-order-seed=N replays it), so a test there that leans on another one's leftovers fails.
test: deps chromium package lint ## Every test: lint and types, unit, integration (dynalite), browser (Chromium), deploy
	$(PY) -m pytest --ignore=tests/contract
	$(PY) -m pytest -p random_order --random-order tests/contract

# Static checks: ruff (lint and format check) on all Python, mypy (strict) on the function, the import contract
# (lint-imports, [tool.importlinter] in pyproject.toml), bandit on the function and the deploy tooling, checkov on
# every template in infra/, pip-audit on the lock (handbook/quality.md, "Static checks").
PYTHON_SOURCES := functions deploy tests benchmarks overrides
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
lint: deps $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	$(PY) -m ruff check $(PYTHON_SOURCES)
	$(PY) -m ruff format --check $(PYTHON_SOURCES)
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-cache
	@# bandit warns about every other node on a line with a `# nosec`: that noise is left out, its exit code kept.
	@set -o pipefail; $(PY) -m bandit -c pyproject.toml -q -r functions deploy 2>&1 | { grep -v "nosec encountered" || true; }
	@echo "bandit on functions/ and deploy/: no issues"
	$(PY) -m deploy.checkov_gate
	$(PY) -m deploy.audit

# checkov in a venv of its own: it pins an old boto3 and packaging<24, which conflict with ours.
$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) is needed and was not found."; exit 1; }
	@echo "Installing checkov $(CHECKOV_VERSION) into $(CHECKOV_VENV) (a minute the first time) ..."
	rm -rf $(CHECKOV_VENV) && $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@touch $@

# Everything: what `make run` needs, the test and deployment tools, and the npm packages.
deps: $(VENV)/.installed-test node_modules/.installed

# Two steps with a stamp each: `make run` installs only the runtime, the site build and the WSGI server (the
# `run` extra); `make test` after it adds the rest (the `test` extra). pip shows what it does: the first install
# takes a minute or so. A venv of another Python (an older checkout's 3.11) is made anew.
$(VENV)/.installed-run: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) is needed and was not found. Install it (for example: pyenv install $(PYTHON_VERSION)), or run make PYTHON=/path/to/python$(PYTHON_VERSION) ..."; exit 1; }
	@test ! -x $(PY) || $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(PYTHON_VERSION))))' || { echo "Making $(VENV) anew for Python $(PYTHON_VERSION)"; rm -rf $(VENV); }
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing what make run needs into $(VENV) (takes about a minute the first time) ..."
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -e '.[run]'
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed-run
	@echo "Installing the test and deployment tools into $(VENV) (a minute or two the first time) ..."
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -e '.[run,test]'
	@touch $@

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

# The wheel staff install with their own Python and one pip command (handbook/beheer.md, chapter 1): dist/*.whl.
wheel: deps
	$(PY) -m deploy.wheel

# A new meeting's folder under docs/bijeenkomsten/, copied from an earlier one with every date moved and the texts to
# rewrite marked (handbook/new-meeting.md). It needs only the standard library, so no more than make run's venv.
new-meeting: $(VENV)/.installed-run
	@test -n "$(FROM)" -a -n "$(ID)" -a -n "$(DATE)" || { echo "Usage: make new-meeting FROM=<id> ID=<id> DATE=<yyyy-mm-dd>"; exit 2; }
	$(PY) -m deploy.new_meeting --from="$(FROM)" --id="$(ID)" --date="$(DATE)"

# Build the site for the stage's public address and sync it to its bucket (AWS credentials needed).
publish: deps
	$(PY) -m deploy.publish --stage $(STAGE)

# Zip size and cold-start import times of the packaged handler, before and after the .pyc recompile.
bench-package: package
	$(PY) -m deploy.bench_package --stage $(STAGE)

clean:
	rm -rf site .pytest_cache dist .bench

# Benchmarks print numbers against a baseline measured in the same run; they are not tests. Each also writes its
# figures to .bench/results/NAME.json; `make bench` runs them all and writes bench/REPORT.md from those files.
.PHONY: bench bench-report bench-api bench-export bench-site bench-load bench-faults bench-followup bench-reminders bench-cold-start
bench: bench-site bench-api bench-cold-start bench-load bench-faults bench-followup bench-reminders bench-export bench-package ## Every benchmark, then one report: bench/REPORT.md
	$(PY) -m benchmarks.report

bench-report: deps ## bench/REPORT.md from the results there are (without running the benchmarks again)
	$(PY) -m benchmarks.report

bench-api: deps ## Latency of POST /api/registrations vs raw put_item, and import time
	$(PY) -m benchmarks.api_benchmark

bench-cold-start: deps ## The function's start (import, create_app, first request) with 1 and with 20 meeting folders
	$(PY) -m benchmarks.cold_start_benchmark

bench-load: deps ## 1,000 registrations from 50 clients and 200 posts of one address on the local stack, vs raw put_item
	$(PY) -m benchmarks.load_benchmark

bench-faults: deps ## Time to 503 when dynalite is paused (SIGSTOP) or killed, posts and personal-page changes, next to the bound of BOTO_CONFIG
	$(PY) -m benchmarks.store_hang_benchmark
	$(PY) -m benchmarks.mail_attack_benchmark

bench-followup: deps ## 1,000 registrants: publishing to the last follow-up, vs registering to the last confirmation
	$(PY) -m benchmarks.followup_benchmark

bench-reminders: deps ## One reminder coming due for 1,000 registrants on the local stack: time to the last email, messages/s
	$(PY) -m benchmarks.reminder_benchmark

bench-export: deps ## Export of 5,000 registrations vs a raw query of the partition
	$(PY) -m benchmarks.export_benchmark

# Lighthouse lives in its own package (bench/), so `make test` never installs it.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench-site: deps chromium bench/node_modules/.installed ## Page weight of the home page and a meeting's form, and Lighthouse (mobile, median of 3), vs stock Material
	$(PY) -m benchmarks.site_benchmark
