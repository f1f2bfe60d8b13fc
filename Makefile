# The two commands: `make run` (whole system locally + demo) and `make test` (whole suite).
# Both install whatever is missing first: the venv, pinned Python packages, pinned npm packages.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test lint fuzz bench synth clean

install: $(PY_STAMP) $(NODE_STAMP)

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

run: install
	@$(PY) -m local_stack

test: install lint
	@$(PY) -m pytest -n 2 --dist loadfile -q

lint: $(PY_STAMP)
	@$(PY) -m ruff check .

# schemathesis with every check against a fresh local stack, as the suite's conformance test
# but at least FUZZ_REQUESTS requests (about FUZZ_EXAMPLES an operation; FUZZ_SEED replays a
# run). Prints the request count and the failures; build/api-conformance/ keeps the reports.
FUZZ_EXAMPLES ?= 150
FUZZ_REQUESTS ?= 10000
fuzz: install
	@CMS_FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) CMS_FUZZ_MIN_REQUESTS=$(FUZZ_REQUESTS) \
		CMS_FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest -n 0 -q -p no:cacheprovider \
		--show-capture=no tests/e2e/test_api_conformance.py

bench: install
	@$(PY) bench/cold_start.py
	@$(PY) bench/api_throughput.py
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
	@$(PY) bench/engine_limits.py

synth: $(PY_STAMP)
	@$(PY) -c "from cdk.synth import synthesize; print(', '.join(synthesize()))"

clean:
	rm -rf build cdk.out .pytest_cache .ruff_cache
