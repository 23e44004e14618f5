# SpikeGlyph — the two commands:
#   make run    set up, start Redis if needed, start every service, print the URL
#   make test   set up, lint, run unit + integration + browser tests
#   make env    .env for docker compose with fresh random secrets (never overwrites one)
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# CPU build of torch (a plain `pip install torch` pulls several GB of CUDA libraries).
TORCH_VERSION ?= 2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
STAMP := $(VENV)/.installed

.PHONY: install run test lint browser-deps deploy-deps docker-deps images-offline test-live env clean

$(STAMP): shared/pyproject.toml services/*/pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --retries 1 --extra-index-url $(TORCH_INDEX) "torch==$(TORCH_VERSION)"
	$(PIP) install --quiet -c constraints.txt \
	    -e "shared[client,runtime,store,server,cli,train,tensorboard,bench,dev]" -e services/inference -e services/trainer -e services/gateway
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

browser-deps:
	@bash .ci/browser-deps

deploy-deps:
	@bash .ci/deploy-deps

test: install browser-deps deploy-deps lint
	$(PY) -m pytest

# Docker Engine and Compose v2 for the live deployment checks (root: installs and starts them).
docker-deps:
	@bash .ci/docker-deps

# The base images made from Debian packages, for hosts that cannot pull from a registry.
images-offline:
	bash deploy/images/make-base-images.sh

# The Compose stack built and run live (tests/deploy/live), then its images measured.
test-live: install docker-deps
	$(PY) -m pytest -p no:cacheprovider -m live tests/deploy/live
	$(PY) bench/bench_containers.py

run: install
	bash .ci/run-local

env:
	@bash .ci/make-env

clean:
	rm -rf $(VENV) var
