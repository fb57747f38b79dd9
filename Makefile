# The two commands of the README: `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test clean fuzz fuzz-long bench bench-counts test-sanitize package

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@if [ -x $(BUILD)/app/gui/modelcomposer ]; then \
	  $(BUILD)/app/gui/modelcomposer examples/encoder-decoder.mcproj; \
	else \
	  $(BUILD)/app/cli/modelcomposer-cli summary examples/encoder-decoder.mcproj; \
	fi

test: build
	cd $(BUILD) && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j $(JOBS)
	$(MAKE) fuzz FUZZ_SECONDS=30

# The Debian package, $(BUILD)/modelcomposer_<version>_<arch>.deb (cmake/Packaging.cmake);
# install it with `sudo apt install ./$(BUILD)/modelcomposer_*.deb`.
package: build
	cmake --build $(BUILD) --target package

# libFuzzer targets (clang): bounded in `make test`, longer with `make fuzz-long`.
FUZZ_SECONDS ?= 30
build-fuzz/build.ninja: | deps
	cmake -S tests/fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++

fuzz: deps build-fuzz/build.ninja
	cmake --build build-fuzz -j $(JOBS)
	scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-long:
	$(MAKE) fuzz FUZZ_SECONDS=600

# The whole suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer.
# allocator_may_return_null=1: tst_reliability asks for hundreds of GB on purpose
# (a batch that cannot fit); ASan would report that instead of letting the
# allocation fail as it does for users (LibTorch then throws c10::Error).
ASAN_BUILD ?= build-asan
test-sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DMC_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && QT_QPA_PLATFORM=offscreen \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:suppressions=$(CURDIR)/tests/sanitizers/asan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/tests/sanitizers/ubsan.supp \
	  ctest --output-on-failure -j $(JOBS) -LE no-sanitize

# The trainer's threads under ThreadSanitizer (build-tsan/): runs, pause,
# resume and stop from another thread, the trainer's signals. LibTorch, libgomp
# and Qt are not instrumented; what tests/sanitizers/tsan.supp hides, and why,
# is written there. The window's training test is built too but is not part of
# the default set: TSan cannot see Qt's event queue, so each queued signal
# looks like a race (docs/reliability.md); run it with
# `make test-tsan TSAN_TESTS="tst_trainer tst_trainingwindow"`.
TSAN_BUILD ?= build-tsan
TSAN_TESTS ?= tst_trainer
tsan_nothing :=
tsan_space := $(tsan_nothing) $(tsan_nothing)
.PHONY: test-tsan
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DMC_SANITIZE_THREAD=ON
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target tst_trainer tst_trainingwindow $(TSAN_TESTS)
	cd $(TSAN_BUILD) && QT_QPA_PLATFORM=offscreen \
	  TSAN_OPTIONS=second_deadlock_stack=1:history_size=4:die_after_fork=0:suppressions=$(CURDIR)/tests/sanitizers/tsan.supp \
	  ctest --output-on-failure -R '^($(subst $(tsan_space),|,$(strip $(TSAN_TESTS))))$$'

# The benchmark suite: prints a table and writes it to docs/benchmarks.md.
bench: build
	bench/run_benchmarks.py --build $(BUILD)

bench-counts: build
	bench/count_work.py --build $(BUILD)

clean:
	rm -rf $(BUILD)
