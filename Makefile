# A thin front for the README's commands; the build itself is meson + ninja.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps build test run run-rq bench asan clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: build
	scripts/run-tests $(BUILD)

# The main job: stratad on this host's live topology with a small demo
# workload (running, pending, backfilled, completed jobs).
run: build
	scripts/demo-daemon $(BUILD)

# resource-query on this host's live topology: graph summary and a few matches.
run-rq: build
	scripts/demo $(BUILD)

bench: build
	test/bench/run $(BUILD)

asan: deps
	[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan
	scripts/run-tests build-asan

clean:
	rm -rf $(BUILD) build-asan
