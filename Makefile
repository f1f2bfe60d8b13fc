# The two commands: `make run` (whole system locally + demo) and `make test` (whole suite).
# Both install whatever is missing first: the venv, pinned Python packages, pinned npm packages.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
SDK_STAMP := sdk/typescript/node_modules/.installed
WEB_STAMP := web/node_modules/.installed
WEB_DIST := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public sdk/typescript/src -type f 2>/dev/null) \
	web/index.html web/api-docs/index.html web/vite.config.ts web/tsconfig.json
CHROMIUM := /usr/bin/chromium
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test lint web-test fuzz bench synth clean

install: $(PY_STAMP) $(NODE_STAMP) $(SDK_STAMP) $(WEB_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "Installing Python dependencies into $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip 2> >(grep -v "^WARNING: Location" >&2)
	@$(PIP) -r requirements-dev.txt 2> >(grep -v "^WARNING: Location" >&2)
	@$(PIP) --no-deps -e . 2> >(grep -v "^WARNING: Location" >&2)
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@echo "Installing Node dependencies (anvil, solc, ethers, axios, tsx)"
	@# Not `npm ci`: the registry has no optional anvil packages for other platforms, which
	@# npm ci insists on; `install --no-save` still installs exactly what the lock file pins.
	@npm install --no-save --no-audit --no-fund --loglevel=error
	@touch $@

# The TypeScript SDK and the web UI have their own packages and lock files.
$(SDK_STAMP): sdk/typescript/package.json sdk/typescript/package-lock.json
	@echo "Installing the TypeScript SDK's dependencies"
	@cd sdk/typescript && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_STAMP): web/package.json web/package-lock.json $(SDK_STAMP)
	@echo "Installing the web UI's dependencies"
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The UI is built when a source is newer than the build; the local gateway serves web/dist.
$(WEB_DIST): $(WEB_STAMP) $(WEB_SOURCES)
	@echo "Building the web UI"
	@# Quiet when it works; tsc prints its errors on stdout, so show the log when it fails.
	@mkdir -p build && cd web && npm run -s build > ../build/web-build.log 2>&1 \
		|| { cat ../build/web-build.log; exit 1; }
	@touch $@

# The browser tests drive Debian's Chromium; Playwright's own download cannot work here.
$(CHROMIUM):
	@echo "Installing Chromium from Debian's packages for the browser tests"
	@apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null

run: install $(WEB_DIST)
	@$(PY) -m local_stack

test: install lint web-test $(WEB_DIST) $(CHROMIUM)
	@$(PY) -m pytest -n 2 --dist loadfile -q

lint: $(PY_STAMP) $(SDK_STAMP) $(WEB_STAMP)
	@$(PY) -m ruff check .
	@cd sdk/typescript && npx tsc --noEmit -p .
	@cd web && npx tsc --noEmit -p . && npx eslint --max-warnings 0 .

# The SDK's and the UI's unit and component tests (vitest).
web-test: $(SDK_STAMP) $(WEB_STAMP)
	@cd sdk/typescript && npx vitest run --reporter=dot
	@cd web && npx vitest run --reporter=dot

# schemathesis with every check against a fresh local stack, as the suite's conformance test
# but at least FUZZ_REQUESTS requests (about FUZZ_EXAMPLES an operation; FUZZ_SEED replays a
# run). Prints the request count and the failures; build/api-conformance/ keeps the reports.
FUZZ_EXAMPLES ?= 150
FUZZ_REQUESTS ?= 10000
fuzz: install
	@CMS_FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) CMS_FUZZ_MIN_REQUESTS=$(FUZZ_REQUESTS) \
		CMS_FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest -n 0 -q -p no:cacheprovider \
		--show-capture=no tests/e2e/test_api_conformance.py

bench: install $(WEB_DIST) $(CHROMIUM)
	@$(PY) bench/cold_start.py
	@$(PY) bench/api_throughput.py
	@$(PY) bench/bulk_create.py
	@$(PY) bench/ledger_gas.py
	@$(PY) bench/merkle_proofs.py
	@$(PY) bench/anchoring_throughput.py
	@$(PY) bench/templates.py
	@$(PY) bench/lifecycle_latency.py
	@$(PY) bench/anonymous_timing.py
	@$(PY) bench/attestation.py
	@$(PY) bench/health_latency.py
	@$(PY) bench/dp_training.py
	@$(PY) bench/engine_erc20.py
	@$(PY) bench/engine_wasm.py
	@$(PY) bench/engine_profile.py
	@$(PY) bench/engine_limits.py
	@$(PY) bench/web_first_load.py

synth: $(PY_STAMP)
	@$(PY) -c "from cdk.synth import synthesize; print(', '.join(synthesize()))"

clean:
	rm -rf build cdk.out .pytest_cache .ruff_cache
