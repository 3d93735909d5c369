# Everything the project needs is installed from here. npm scripts and these
# targets run the Node 24 pinned in package.json (node_modules/.bin/node).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: setup build test lint format run clean typecheck bench

setup: node_modules/.setup-done

node_modules/.setup-done: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required (any Node >= 18 with npm >= 10); Node 24 itself is installed by npm"; exit 1; }
	# `npm install`, not `npm ci`: the registries here lack some platforms' optional DuckDB
	# bindings, so the lock file cannot list them and `npm ci` would refuse it.
	npm install --no-audit --no-fund
	@node --version | grep -q '^v24\.' || { echo "expected the pinned Node 24 in node_modules/.bin"; exit 1; }
	@touch $@

build: setup
	tsc -p tsconfig.build.json

typecheck: setup
	tsc -p tsconfig.json --noEmit

test: setup typecheck
	vitest run

lint: setup
	eslint .
	prettier --check .

format: setup
	prettier --write .

# Serve the quickstart example on http://$(HOST):$(PORT)/mcp with its own DuckDB file.
run: setup
	cd examples/quickstart && node --import $(CURDIR)/node_modules/tsx/dist/loader.mjs $(CURDIR)/worker/src/cli/main.ts serve --transport streamable-http --host $(HOST) --port $(PORT)

bench: setup
	npm run bench

clean:
	rm -rf dist node_modules
