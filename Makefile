# The project's two commands:
#   make dev    install what is missing, then serve the reference app with live rebuilds
#   make test   install what is missing, then run every check and test
#               (the server's tests on SQLite, then on PostgreSQL: test-postgres)
#   make new-app DEST=<dir>   a new app of your own on this kit (see README)
#   make scale-test  (also part of `make test`) two instances behind haproxy with Redis and
#               PostgreSQL: shared cache, rolling restarts and deploys without a failed request
# And, not part of `make test`:
#   make bench  the kit against the ceiling, a hand-written axum server and Next.js (bench/results/latest.md)
#   make soak   60 s of load over a mix of routes: zero errors, memory flat (bench/results/soak.md)
#   make fuzz   libFuzzer on the kit's request decoding for FUZZ_SECONDS (default 300)
#   make dev-timing  seconds from saving an edit to the page showing it, under `make dev`
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

NATIVE := -p server_props -p app -p server -p ceiling -p handwritten -p lambda

bench: setup
	scripts/bench.py

soak: setup
	scripts/soak.py

# The release build only when there is none (scripts/build-release.sh takes
# minutes); PostgreSQL through scripts/with-postgres.sh when it exists, else
# the script uses a SQLite file both instances share (and says so).
scale-test: setup
	[[ -x target/release/server && -d target/site/pkg ]] || scripts/build-release.sh
	if [[ -x scripts/with-postgres.sh ]]; then \
	  scripts/with-postgres.sh scripts/scale_test.py; \
	else \
	  echo "scale-test: no scripts/with-postgres.sh, the instances share a SQLite file"; \
	  scripts/scale_test.py; \
	fi

# Seconds from saving an edit to the change showing in the open page under
# `cargo leptos watch`, on the reference app and on a new app from the
# starter (scripts/dev-timing.mjs; docs/performance.md, "Development loop").
dev-timing: setup-test
	WATCH_ARGS=--hot-reload node scripts/dev-timing.mjs reference
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	scripts/new-app.sh "$$tmp/timing" >/dev/null; \
	ln -s "$(CURDIR)/end2end/node_modules" "$$tmp/timing/end2end/node_modules"; \
	WATCH_ARGS=--hot-reload node scripts/dev-timing.mjs starter "$$tmp/timing"

# cargo-fuzz drives the target with libFuzzer's coverage instrumentation.
# Rust code here has no `unsafe`, so no sanitizer (`-s none`), which also
# lets the stable toolchain build it (RUSTC_BOOTSTRAP admits cargo-fuzz's
# `-Z` flags; no nightly toolchain is needed).
FUZZ_SECONDS ?= 300
fuzz: setup
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
	RUSTC_BOOTSTRAP=1 cargo fuzz run request -s none -O -- \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1

.PHONY: bench soak scale-test fuzz dev-timing dev test setup setup-test fmt cycles core lint test-rust test-postgres build-release server-only e2e hydration-proptest new-app starter lambda-local edge-local

# `--hot-reload`: a text edit in a `view!` is patched into the open page at
# once (docs/performance.md, "Development loop"); the rebuild and reload
# that follow bring the rest.
dev: setup
	cargo leptos watch --hot-reload

# The stages run one at a time, each timed (scripts/stages.sh prints the
# table at the end, or at the stage that failed).
TEST_STAGES := setup-test fmt cycles core lint test-rust test-postgres build-release scale-test server-only e2e lambda-local edge-local starter
test:
	scripts/stages.sh $(TEST_STAGES)
	@echo "make test: all checks passed"

new-app:
	@[[ -n "$(DEST)" ]] || { echo "usage: make new-app DEST=<dir>" >&2; exit 2; }
	scripts/new-app.sh "$(DEST)"

# The starter can never rot: a fresh app from it passes its own `make test`
# (a debug build), sharing this repository's target directory.
starter:
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	scripts/new-app.sh "$$tmp/starter_check"; \
	$(MAKE) -C "$$tmp/starter_check" test CARGO_TARGET_DIR="$(or $(CARGO_TARGET_DIR),$(CURDIR)/target)"

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

fmt:
	cargo fmt --all -- --check

# No module cycles in the kit (a child using its own parent's items is
# fine): the checker's own tests first, so a broken checker cannot pass.
cycles:
	python3 scripts/test_check_module_cycles.py
	scripts/check-module-cycles.py kit/src kit/macros/src

# The request pipeline alone (feature ssr) builds without tokio, hyper or a
# file server in its dependency tree.
core:
	scripts/check-core.sh

# The server build (ssr) natively, the browser build (hydrate) for wasm32.
lint:
	cargo clippy --locked $(NATIVE) --all-targets -- -D warnings
	cargo clippy --locked -p server_props --all-targets -- -D warnings
	cargo clippy --locked -p client -p app -p server_props --features app/hydrate,server_props/hydrate --target wasm32-unknown-unknown -- -D warnings
	# The same browser build split by page (as `--split` links it: each
	# page's view a split point), in a target directory of its own.
	RUSTFLAGS=-Clink-args=--emit-relocs CARGO_TARGET_DIR=target/lint-split cargo clippy --locked -p client -p app -p server_props --features app/hydrate,server_props/hydrate --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --locked -p edge --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --locked -p server_props --features worker --lib --tests -- -D warnings

# `client` and `edge` (worker/) are wasm-only: excluded from native runs
# (features ssr, hydrate and edge would unify on `app` there).
test-rust:
	cargo test --locked --workspace --exclude client --exclude edge
	cargo test --locked -p server_props --features worker --lib ssr::server::worker
	cargo test --locked -p app --features edge --test edge_table

# The server's tests again on PostgreSQL: a throwaway server of their own
# (installed if missing), a fresh database per test (TEST_DATABASE_URL).
test-postgres:
	scripts/with-postgres.sh cargo test --locked -p server

# Hashed, precompressed assets and a wasm with the standard library rebuilt
# for size (scripts/build-release.sh says which flags, and why).
build-release:
	scripts/build-release.sh

# No loader code in the wasm bundle; a client build calling a loader fails to compile.
server-only:
	scripts/check-server-only-code.sh

# The reference app as an AWS Lambda function under `cargo lambda watch`
# (scripts/lambda_local.py): its pages, props, cookies and redirects through
# the emulator's function URL, and its cold start. Needs the release site.
lambda-local: setup-test
	@[[ -d target/site/pkg ]] || $(MAKE) build-release
	scripts/lambda_local.py

# The edge build (worker/) in workerd in front of the release server
# (scripts/edge_local.py): the edge's page, document, props and cookie, every
# other request forwarded, a client navigation across both, the server
# gone. Needs the release site.
edge-local: setup-test
	@[[ -x target/release/server ]] || $(MAKE) build-release
	scripts/edge_local.py

# The release server; the development overlay's tests also start the debug
# server that `test-rust` built (`cargo test` builds the server binary).
e2e:
	cd end2end && E2E_SERVER=target/release/server E2E_DEV_SERVER=target/debug/server npx playwright test

# The hydration property test at 400 cases (24 in `make test`); a seed of
# one's own with HYDRATION_SEED=<n>. Needs the release build.
hydration-proptest: setup-test
	@[[ -x target/release/server ]] || $(MAKE) build-release
	cd end2end && HYDRATION_CASES=$${HYDRATION_CASES:-400} E2E_SERVER=target/release/server \
		npx playwright test tests/hydration.spec.ts -g "random text"
