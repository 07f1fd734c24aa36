# statewall - thin wrapper over CMake/CTest.  See README.md.
#   make            build build/statewall
#   make check      bootstrap, -Werror build, all tests, ASan+UBSan build and tests, bounded fuzzing
#   make demo       install what the demo needs, build, replay the bundled half-close capture under two policies
#   make bench      engine vs raw hash lookup, bytes per session (not in CI)
#   make lab        client / statewall / server in network namespaces, to try the daemon
#   make install    install under PREFIX (default /usr/local) into DESTDIR (default /)
#   make deb        build/statewall_VERSION-1_ARCH.deb (CPack DEB, Debian build flags)

JOBS     ?= $(shell nproc)
FUZZ_SECS ?= 20
CMAKE    ?= cmake
PREFIX   ?= /usr/local

.PHONY: all build build-asan bootstrap check test test-asan fuzz demo bench lab install deb clean

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

install:
	@$(CMAKE) -S . -B build -DSW_WERROR=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@$(CMAKE) --build build -j$(JOBS)
	DESTDIR=$(DESTDIR) $(CMAKE) --install build

# The package: the flags of dpkg-buildflags only (build type None, as debhelper does) with dpkg-buildflags' hardening, no tests, in build-deb/.
DEB_CFLAGS  = $(shell dpkg-buildflags --get CFLAGS) $(shell dpkg-buildflags --get CPPFLAGS)
DEB_LDFLAGS = $(shell dpkg-buildflags --get LDFLAGS)
deb:
	@$(CMAKE) -S . -B build-deb -DSW_WERROR=ON -DSW_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=None \
	  -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_C_FLAGS="$(DEB_CFLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(DEB_LDFLAGS)" >/dev/null
	@$(CMAKE) --build build-deb -j$(JOBS)
	cd build-deb && fakeroot cpack -G DEB >/dev/null
	@ls build-deb/statewall*.deb

clean:
	rm -rf build build-asan build-fuzz build-bench build-deb
