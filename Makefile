# Everything the project needs is installed from here. npm scripts and these
# targets run the Node 24 pinned in package.json (node_modules/.bin/node).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: browser setup deps test-binaries build test lint format run clean typecheck bench bench-reload cluster-up cluster-down dev-cluster helm images reliability

TSX_NODE := node --import $(CURDIR)/node_modules/tsx/dist/loader.mjs

# Node dependencies, plus the Kubernetes test control plane when Go is there to build it.
setup: deps
	@if command -v go >/dev/null; then bash test/cluster/build-binaries.sh >/dev/null; bash test/cluster/build-helm.sh >/dev/null; \
	else echo "Note: no 'go' command, so the Kubernetes test control plane (needed by the operator tests) is not built."; \
	     echo "      Install Go 1.26+ (https://go.dev/dl/, or your distribution's golang package) and run make setup again."; fi

deps: node_modules/.setup-done

# kube-apiserver, kube-controller-manager, etcd and kubectl for the operator and install tests, compiled
# from the Go module proxy once per machine (10-25 min) into ~/.cache/mxcp-operator/; a no-op when they
# are there.
test-binaries:
	@bash test/cluster/build-binaries.sh >/dev/null

# helm for the chart tests, built from the Go module proxy once per machine (3-10 min) into
# ~/.cache/mxcp-operator/helm-<version>/bin; a no-op when it is there.
helm:
	@bash test/cluster/build-helm.sh >/dev/null

node_modules/.setup-done: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required (any Node >= 18 with npm >= 10); Node 24 itself is installed by npm"; exit 1; }
	# `npm install`, not `npm ci`: the registries here lack some platforms' optional DuckDB
	# bindings, so the lock file cannot list them and `npm ci` would refuse it.
	npm install --no-audit --no-fund
	@node --version | grep -q '^v24\.' || { echo "expected the pinned Node 24 in node_modules/.bin"; exit 1; }
	@touch $@

build: deps
	tsc -p tsconfig.build.json

typecheck: deps
	tsc -p tsconfig.json --noEmit

# Debian's chromium for the OAuth browser test (test/e2e/oauth-browser.test.ts); a no-op when present.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser login test…"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Two phases: everything, then the tests that run worker pods through the test kubelet, one file at
# a time (vitest.config.ts says why).
test: deps test-binaries helm browser typecheck
	vitest run
	MXCP_TEST_PHASE=pods vitest run

lint: deps
	eslint .
	prettier --check .

format: deps
	prettier --write .

# Serve the quickstart example on http://$(HOST):$(PORT)/mcp with its own DuckDB file.
run: deps
	cd examples/quickstart && node --import $(CURDIR)/node_modules/tsx/dist/loader.mjs $(CURDIR)/worker/src/cli/main.ts serve --transport streamable-http --host $(HOST) --port $(PORT)

bench: deps
	npm run bench

# The long form of the reliability suite (test/reliability, docs/reliability.md: soak, faults, fuzzing,
# slow clients, security); make test runs its short form. Needs root (chattr, mount).
reliability: deps test-binaries
	MXCP_RELIABILITY=long vitest run test/reliability

# The worker and operator container images, tagged with the package version (IMAGE_REGISTRY=registry/team,
# DOCKER=podman); says so and fails when there is no Docker engine.
images:
	@bash images/build.sh

# Secret rotation to the last worker acknowledged, through the operator (docs/benchmarks.md).
bench-reload: deps test-binaries
	npm run bench:reload

# Try the operator without a cluster: control plane, test kubelet, operator and the hello sample, in
# the foreground until Ctrl-C; prints an MCP URL and the kubeconfig.
dev-cluster: deps test-binaries
	@$(TSX_NODE) test/cluster/dev-cluster.ts

# A test control plane that keeps running (for the operator or kubectl by hand). The last line printed
# is its admin kubeconfig: export KUBECONFIG=$$(make -s cluster-up | tail -1). Tests reuse it with
# MXCP_TEST_CLUSTER=running.
cluster-up: deps test-binaries
	@$(TSX_NODE) test/cluster/up.ts up

cluster-down: deps
	@$(TSX_NODE) test/cluster/up.ts down

clean:
	rm -rf dist node_modules
