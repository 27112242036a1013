# Tredjepart — `make run` starts the local stack, `make test` runs every test,
# `make unit` the tests that need no emulator (no venv, no moto).
# Both install what they need: a Python venv with the pinned moto server (make
# test adds schemathesis, standardwebhooks and cfn-lint to it), the
# Lambda Runtime Interface Emulator (built from go.mod's tool line), and the Go modules; `make
# test` also a second venv with checkov, which scans the CDK template.

SHELL := /bin/bash
# The approved Go: the machines start on an older one and ignore go.mod's
# toolchain line, so the go command is told which to fetch (module proxy).
export GOTOOLCHAIN := go1.27.3
GO ?= go

FUNCTIONS := $(notdir $(wildcard functions/*))
# The Lambda Runtime Interface Emulator: a tool of go.mod (its version pinned
# there), built into build/local, where localstack/emulate/rie finds it.
RIE_PACKAGE := github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w"
# The runner and the Lambda emulator are built with the bootstraps' flags and
# without cgo, as the bootstraps are, and in the same go build: then the
# standard library and every shared package compile once, not two or three
# times (on a fresh machine most of the time from clone to first answer is
# compiling).
LOCAL_GO := CGO_ENABLED=0 $(GO)
# The runner behind make run/up/down/token/deliver/reset, which build-local
# builds beside the bootstraps: a go run would link it once more.
RUNNER := build/local/runner
# The commands that talk to a running stack need the runner make up built.
define need_runner
	@test -x $(RUNNER) || { echo "the local stack is not running: make up first"; exit 1; }
endef
# Where build puts the AWS bootstraps; the bootstrap size test
# (localstack/harness/lambdasize) builds into a directory of its own through it.
LAMBDA_DIR ?= build/lambda

.PHONY: help docs run up down prepare token deliver reset example datagen unit test vet vulncheck build build-local synth bench bench-first-answer venv testvenv scanvenv rie npm sitecss chromium tools clean

## run: the whole system in the foreground on moto, with demo data
run: prepare
	$(RUNNER) run

## up / down: the same in the background (log in .local/runner.log)
up: prepare
	$(RUNNER) up
down:
	@if [ -x $(RUNNER) ]; then $(RUNNER) down; else echo "not running"; fi

# prepare: what the stack needs, side by side: the venv and npm wait on the
# network while the Go build uses the cores (build-local builds the emulator
# too: make rie beside it would compile the standard library a second time).
prepare:
	@$(MAKE) --no-print-directory -j3 venv npm build-local

## token GLN=…: a bearer token for a demo third party; INGEST=1 for the demo grid company; ADMIN=1 for the operator (the stack must be up)
token:
	$(need_runner)
	@$(RUNNER) token -gln "$(GLN)" $(if $(INGEST),-ingest) $(if $(ADMIN),-admin)

## deliver DAY=YYYY-MM-DD [TIMEOUT=5m]: run the daily delivery (BRS-NO-313) for a day by hand on the running local stack; fails if it is not done within TIMEOUT
deliver:
	$(need_runner)
	@$(RUNNER) deliver -day "$(DAY)" $(if $(TIMEOUT),-timeout $(TIMEOUT))

## reset: the running local stack back to its seeded state (requests, grants, deliveries, webhooks, read log, sessions, parties; queues purged, expiries stopped); the grid company's data stays
reset:
	$(need_runner)
	@$(RUNNER) reset

## example [EXAMPLE_POINTS=…]: the example third party (examples/thirdparty) as Straumkompis against the running stack (make up), until Ctrl-C; docs/integrating.md explains it
EXAMPLE_POINTS ?= 707057500000001015,707057500000001022,707057500000001039
# Built, then run: `go run` ends with status 1 on Ctrl-C, whatever the program's own status.
example:
	@test -f .local/ready || { echo "the local stack is not running: make up first"; exit 1; }
	@echo "The example asks for access to $(EXAMPLE_POINTS) and prints a consent link and an authorize link for each."
	@echo "Open an authorize link and log in as the end user, then approve: 707057500000001015 is Kari Nordmann's,"
	@echo "707057500000001022 is Bakeriet AS's (log in as Per Baker for Bakeriet AS). 707057500000001039 is granted"
	@echo "already (EH017): its month is printed at once. Then run make deliver DAY=<yesterday> in another shell."
	@echo
	$(LOCAL_GO) build $(LAMBDA_FLAGS) -o build/local/thirdparty-example ./examples/thirdparty
	build/local/thirdparty-example -points "$(EXAMPLE_POINTS)" -state .local/thirdparty-example.json

## datagen POINTS=… DAYS=…: synthetic metering points and meter values into the running local stack
POINTS ?= 100
DAYS ?= 30
datagen:
	AWS_ENDPOINT_URL=http://127.0.0.1:4012 AWS_REGION=eu-north-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
	  REGISTRY_TABLE=tredjepart-registry METER_VALUES_TABLE=tredjepart-meter-values \
	  PSEUDONYM_KEY="$$(cat .local/pseudonym.key)" $(GO) run ./localstack/tools/datagen -points $(POINTS) -days $(DAYS)

## unit: every test that needs no emulator (the stores are package inmem's fakes): no venv, no moto
unit:
	$(GO) test ./...

## test: vet, format check, vulnerability check, unit + integration (-tags integration: moto) + end-to-end tests, CDK tests
test: tools testvenv scanvenv chromium vet vulncheck
	$(GO) test -count=1 -tags integration ./...
	cd infra && $(GO) test -count=1 ./...

## vet: go vet, the gofmt check, the generated templ code and API client current with their sources, and the pages' stylesheet current with its npm packages
vet: npm
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	@$(GO) tool templ generate >/dev/null 2>&1 || { echo "templ generate failed"; exit 1; }
	@stale=$$(git diff --name-only -- '*_templ.go'; git ls-files --others --exclude-standard -- '*_templ.go'); \
	  if [ -n "$$stale" ]; then echo "generated templ code is not what the .templ files give (run go tool templ generate and commit):"; echo "$$stale"; exit 1; fi
	@node tools/sitecss.mjs && git diff --quiet -- shared/websession/style/bundle.css || \
	  { echo "shared/websession/style/bundle.css is not what tools/sitecss.mjs writes from node_modules and site.css (run make sitecss and commit)"; exit 1; }
	@$(GO) generate ./client/... || { echo "go generate ./client/... failed"; exit 1; }
	@git diff --exit-code --stat -- 'client/*.gen.go' && test -z "$$(git ls-files --others --exclude-standard -- 'client/*.gen.go')" || \
	  { echo "the generated client is not what shared/openapi/openapi.json gives (run go generate ./client/... and commit)"; exit 1; }
	@unformatted=$$(gofmt -l . | grep -v '^infra/cdk.out/'); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi

# The vulnerability database's source as the module proxy serves it, and the
# govulncheck that reads it. Bump both when dependencies change. v1.9.0, not
# v1.10.0: the latter's package loader refuses go1.27's standard library
# ("generic method requires go1.27 or later").
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
GOVULNCHECK_VERSION := v1.9.0

## vulncheck: govulncheck over both modules, the database built offline from golang.org/x/vulndb; fails on any reachable vulnerability
vulncheck:
	@GO=$(GO) VULNDB_VERSION=$(VULNDB_VERSION) GOVULNCHECK_VERSION=$(GOVULNCHECK_VERSION) tools/vulncheck.sh

# bootstraps DIR, ENV[, MORE[, KEEP]]: every function's bootstrap as
# DIR/<function>/bootstrap, from one go build, so that they compile and link in
# parallel. MORE: more commands built in the same go build, so that their
# packages compile once with the bootstraps'; of those, the binaries named in
# KEEP are kept in DIR (the others only fill the build cache).
define bootstraps
	@rm -rf $(1)/.bin && mkdir -p $(1)/.bin
	$(2) $(LOCAL_GO) build $(LAMBDA_FLAGS) -o $(1)/.bin/ ./functions/... $(3)
	@for fn in $(FUNCTIONS); do \
	  mkdir -p $(1)/$$fn && mv $(1)/.bin/$$fn $(1)/$$fn/bootstrap || exit 1; \
	  echo "$(1)/$$fn/bootstrap"; \
	done
	@for cmd in $(4); do mv $(1)/.bin/$$cmd $(1)/$$cmd && echo "$(1)/$$cmd" || exit 1; done
	@rm -r $(1)/.bin
endef

## build: Lambda bootstraps for AWS (linux/arm64) in build/lambda/<function>/, and Redoc's bundle beside the docs function's
build: npm
	$(call bootstraps,$(LAMBDA_DIR),GOOS=linux GOARCH=arm64)
	cp node_modules/redoc/bundles/redoc.standalone.js $(LAMBDA_DIR)/docs/

## build-local: the same bootstraps for this machine, the Lambda emulator to run them and the runner (build/local/aws-lambda-rie, build/local/runner)
build-local:
	$(call bootstraps,build/local,,./localstack/runner $(RIE_PACKAGE),aws-lambda-rie runner)

## synth: the CloudFormation template in infra/cdk.out (no AWS credentials needed)
synth: build
	cd infra && CDK_OUTDIR=cdk.out $(GO) run .

## bench: POST /v1/access-requests latency, a 3-year hourly query, a 1,000-series ingest call and one day's delivery to 10,000 points, on moto
bench: tools
	@mkdir -p .local/bench docs/bench
	BENCH_LATENCIES=$(CURDIR)/.local/bench $(GO) test -run '^$$' -bench CreateAccessRequest -benchtime 200x ./localstack/e2e/
	BENCH_LATENCIES=$(CURDIR)/.local/bench $(GO) test -run '^$$' -bench QueryThreeYearsHourly -benchtime 5x -timeout 30m ./localstack/e2e/
	BENCH_LATENCIES=$(CURDIR)/.local/bench $(GO) test -run '^$$' -bench IngestThousandSeries -benchtime 1x ./localstack/e2e/
	BENCH_LATENCIES=$(CURDIR)/.local/bench $(GO) test -run '^$$' -bench DeliverOneDay -benchtime 1x -timeout 40m ./localstack/e2e/
	@cat .local/bench/query-three-years.md .local/bench/ingest-thousand-series.md .local/bench/delivery-one-day.md
	$(GO) run ./localstack/tools/benchplot -cost .local/bench/delivery-cost.tsv -out docs/bench/delivery-cost.png \
	  -title "One day's delivery on moto, per metering-point-day, against the floor"
	$(GO) run ./localstack/tools/benchplot -out docs/bench/create-latency.png \
	  -title "POST /v1/access-requests through the local gateway on moto (200 requests each)" \
	  in-process=.local/bench/BenchmarkCreateAccessRequest_in-process.txt \
	  lambda-emulator=.local/bench/BenchmarkCreateAccessRequest_lambda-emulator.txt

## bench-first-answer: the time from git clone to the first API answer (a clone of HEAD, empty caches, make up, a token, one call), as a table and docs/bench/first-answer.png; needs the stack's ports free
bench-first-answer:
	@mkdir -p .local/bench docs/bench
	$(GO) run ./localstack/tools/firstanswer -out .local/bench/first-answer.tsv
	$(GO) run ./localstack/tools/benchplot -phases .local/bench/first-answer.tsv -out docs/bench/first-answer.png \
	  -title "From git clone to the first API answer: make up on empty caches"

tools: venv rie npm

## npm: node_modules with the pinned npm packages of package-lock.json (Designsystemet's CSS and theme, axe-core for the browser tests, Redoc for /docs)
npm: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

## sitecss: rebuild the pages' one stylesheet, shared/websession/style/bundle.css and its gzipped bundle.css.gz (committed: the bootstraps embed the .gz), from Designsystemet and style/site.css
sitecss: npm
	node tools/sitecss.mjs

## chromium: Debian's Chromium for the real-browser test (needs root, as on CI)
chromium: /usr/bin/chromium
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

# The venvs are made without a pip of their own, and the machine's pip
# installs into them (pip --python): ensurepip was a quarter of the stack's
# venv's CPU time on a fresh machine.
PIP_INTO := python3 -m pip --quiet --disable-pip-version-check --python

## venv: .venv with the stack's pinned moto server (localstack/requirements.txt)
# --no-compile: Python compiles a module when it is first imported, and moto
# imports few of its thousands; compiling them all took half the install.
venv: .venv/.installed
.venv/.installed: localstack/requirements.txt
	python3 -m venv --without-pip .venv
	$(PIP_INTO) .venv/bin/python install --no-compile -r localstack/requirements.txt
	touch $@

## testvenv: the test tools on top, in .venv (localstack/test-requirements.txt: schemathesis, standardwebhooks, cfn-lint)
testvenv: .venv/.test-installed
.venv/.test-installed: .venv/.installed localstack/test-requirements.txt
	$(PIP_INTO) .venv/bin/python install --no-compile -r localstack/test-requirements.txt
	touch $@

## scanvenv: .venv-scan with the pinned checkov of infra/scan-requirements.txt (its own venv: its pins conflict with moto's)
scanvenv: .venv-scan/.installed
.venv-scan/.installed: infra/scan-requirements.txt
	python3 -m venv --without-pip .venv-scan
	$(PIP_INTO) .venv-scan/bin/python install -r infra/scan-requirements.txt
	touch $@

## rie: the Lambda Runtime Interface Emulator alone, as build-local builds it (build/local/aws-lambda-rie)
rie:
	$(LOCAL_GO) build $(LAMBDA_FLAGS) -o build/local/aws-lambda-rie $(RIE_PACKAGE)

clean:
	rm -rf build .local infra/cdk.out

## docs: rewrite docs/architecture.md's package table from the packages' doc comments, and the README's sandbox test-data table from localstack/harness/demo
docs:
	UPDATE_DOCS=1 $(GO) test -count=1 ./docs

## help: the targets and what they do
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## //'
