# statewall - thin wrapper over CMake/CTest.  See README.md.
#   make            build build/statewall
#   make check      bootstrap, -Werror build, all tests, ASan+UBSan build and tests, bounded fuzzing
#   make demo       install what the demo needs, build, replay the bundled half-close capture under two policies
#   make bench      engine vs raw hash lookup, bytes per session (not in CI)
#   make lab        client / statewall / server in network namespaces, to try the daemon

JOBS     ?= $(shell nproc)
FUZZ_SECS ?= 20
CMAKE    ?= cmake

.PHONY: all build build-asan bootstrap check test test-asan fuzz demo bench lab clean

all: build

bootstrap:
	@scripts/bootstrap

build:
	@$(CMAKE) -S . -B build -DSW_WERROR=ON >/dev/null
	@$(CMAKE) --build build -j$(JOBS)

test: build
	cd build && ctest --output-on-failure -j$(JOBS)

build-asan:
	@$(CMAKE) -S . -B build-asan -DSW_WERROR=ON -DSW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang >/dev/null
	@$(CMAKE) --build build-asan -j$(JOBS)

test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

fuzz:
	@$(CMAKE) -S . -B build-fuzz -DSW_WERROR=ON -DSW_FUZZ=ON -DSW_SANITIZE=ON -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@$(CMAKE) --build build-fuzz -j$(JOBS)
	scripts/fuzz-run build-fuzz $(FUZZ_SECS)

check: bootstrap
	$(MAKE) test
	$(MAKE) test-asan
	$(MAKE) fuzz

demo:
	@scripts/bootstrap demo
	@$(MAKE) --no-print-directory build
	scripts/demo

bench:
	SW_BOOTSTRAP_BENCH=1 scripts/bootstrap
	@$(CMAKE) -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
	@$(CMAKE) --build build-bench -j$(JOBS)
	scripts/bench build-bench

lab: bootstrap build
	scripts/lab

clean:
	rm -rf build build-asan build-fuzz build-bench
