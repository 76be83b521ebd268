# One command for each thing a person does. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
PORT ?= 8000
STAGE ?= dev
ARGS ?=

.PHONY: install run test fuzz load bench eval package admin clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade 'pip<26.3'  # chalice 1.34 requires pip<26.3 (and runs it to package)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install  ## the web app on 127.0.0.1:WEB_PORT (8080), DynamoDB Local + S3 + chalice local on 127.0.0.1:$(PORT); Ctrl-C stops all
	PORT=$(PORT) $(PY) -m scripts.run_local

test: install  ## every test, including those against DynamoDB Local
	$(PY) -m pytest

fuzz: install  ## schemathesis against docs/openapi.json on chalice local + DynamoDB Local
	$(PY) -m scripts.fuzz $(ARGS)

load: install  ## many concurrent users for a bounded time; prints figures, checks no data lost
	$(PY) -m scripts.load_test $(ARGS)

bench: install  ## the service on DynamoDB Local + S3 server with fake model/speech: per-route p50/p95, AWS calls, turns 1-300, time to text and audio, cold start, cost; writes docs/bench/latest.json and the README table; never fails on a timing
	$(PY) -m scripts.bench $(ARGS)

eval: install  ## simulated candidates interview through the API; docs/eval/scorecard.md, fails on a failed check
	$(PY) -m scripts.eval $(ARGS)

package: install  ## CloudFormation template + deployment package in build/$(STAGE), cfn-lint checked
	$(PY) -m scripts.package --stage $(STAGE)

admin: install  ## operator commands, e.g. make admin ARGS="set-limit alice 20"
	$(PY) -m scripts.admin $(ARGS)

clean:  ## forget local data (accounts, interviews) and the downloaded DynamoDB Local
	rm -rf .local
