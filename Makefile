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

.PHONY: install run test lint browser-deps deploy-deps env clean

$(STAMP): shared/pyproject.toml services/*/pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --retries 1 --extra-index-url $(TORCH_INDEX) "torch==$(TORCH_VERSION)"
	$(PIP) install --quiet -c constraints.txt \
	    -e "shared[client,runtime,store,server,cli,train,dev]" -e services/inference -e services/trainer -e services/gateway
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

run: install
	bash .ci/run-local

env:
	@bash .ci/make-env

clean:
	rm -rf $(VENV) var
