# axvm: one non-recursive GNU Makefile.
#   make                 libaxvm.a, libaxvm.so (-> .so.0 -> .so.0.1.0), the axvm CLI
#   make test            build and run every test; ends with
#                        "N passed, N failed, N skipped" and lists the skips
#   make run             boot the default guest
#   make check           public headers compile alone; clang-format (fails on either)
#   make bench           benchmarks side by side with QEMU
#   make install PREFIX=/usr/local
# Options: V=1 (show commands), WERROR=0 (warnings not fatal),
#          SANITIZE=address,undefined (separate build dir), CC=clang,
#          JIT=1 / JIT=0 (every hart the tests and runs create with the
#          translator on / off: exported as AXVM_JIT, see README),
#          COUNTERS=0 (statistics counters compiled out, build/nocounters:
#          what `make bench` compares the MMIO round trip against).

CC ?= gcc
AR ?= ar
PREFIX ?= /usr/local
WERROR ?= 1
SANITIZE ?=
O ?= 2
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

COUNTERS ?= 1
ifeq ($(SANITIZE),)
ifeq ($(COUNTERS),0)
BUILD ?= build/nocounters
else
BUILD ?= build
endif
else
BUILD ?= build/san-$(subst $(comma),-,$(SANITIZE))
endif
comma := ,
ifneq ($(JIT),)
export AXVM_JIT := $(JIT)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wvla -Wmissing-prototypes \
	-Wstrict-prototypes -Wundef -Wwrite-strings -Wimplicit-fallthrough \
	-Wno-unused-parameter
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE -MMD -MP
ifeq ($(COUNTERS),0)
CPPFLAGS += -DAXVM_COUNTERS=0
endif
CFLAGS ?= -O$(O) -g
CFLAGS += -std=c11 -fPIC -fno-semantic-interposition -pthread $(WARNINGS)
# Only declarations marked AXVM_API (include/axvm/) are exported from the
# shared library; the static library keeps every symbol reachable, which is
# how the tests and the CLI reach internal layers.
CFLAGS += -fvisibility=hidden
LDLIBS += -lfdt -luring -lslirp -ljson-c -lm -pthread
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRCS := $(sort $(wildcard src/hal/*.c src/core/*.c src/arch/riscv64/*.c \
	src/devices/*.c src/board/*.c src/config/*.c src/runtime/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)

TEST_SUPPORT_SRCS := tests/test_main.c $(sort $(wildcard tests/support/*.c))
TEST_SUPPORT_OBJS := $(TEST_SUPPORT_SRCS:%.c=$(BUILD)/%.o)
UNIT_TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
GUEST_TEST_SRCS := $(sort $(wildcard tests/guest/test_*.c))
UNIT_TESTS := $(UNIT_TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
GUEST_TESTS := $(GUEST_TEST_SRCS:tests/guest/%.c=$(BUILD)/tests/guest/%)

# The shared library: real name libaxvm.so.<version>, SONAME libaxvm.so.<major>
# (programs record that), and the libaxvm.so link the linker's -laxvm finds.
VERSION := $(shell sed -n 's/.*AXVM_VERSION "\(.*\)"/\1/p' include/axvm/axvm.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libaxvm.so.$(SOMAJOR)
LIBA := $(BUILD)/libaxvm.a
LIBSO_REAL := $(BUILD)/libaxvm.so.$(VERSION)
LIBSO := $(BUILD)/libaxvm.so
AXVM := $(BUILD)/axvm

.SECONDARY:
.PHONY: fuzz all lib test unit-test-bins unit-test guest-test tsan-test run run-hello bench install check clean deps format
all: $(LIBA) $(LIBSO) $(AXVM)
lib: $(LIBA) $(LIBSO)

# Objects depend on the flags they were built with, so that changing them
# (such as -fvisibility) rebuilds every object, not only those whose sources
# changed.
FLAGS_FILE := $(BUILD)/flags
$(shell mkdir -p $(BUILD) && echo '$(CC) $(CPPFLAGS) $(CFLAGS)' | cmp -s - $(FLAGS_FILE) || \
	echo '$(CC) $(CPPFLAGS) $(CFLAGS)' > $(FLAGS_FILE))

$(BUILD)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The threaded interpreter needs one indirect jump at the end of every
# handler; these GCC passes would merge them back into one shared dispatch
# (clang keeps them apart by itself).
CC_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -q clang && echo 1)
ifneq ($(CC_IS_CLANG),1)
$(BUILD)/src/arch/riscv64/exec.o: CFLAGS += -fno-tree-sink -fno-crossjumping -fno-gcse \
	--param max-goto-duplication-insns=32
endif

$(LIBA): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBSO_REAL): $(LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) -o $@ $^ $(LDLIBS)

$(LIBSO): $(LIBSO_REAL)
	$(Q)ln -sf $(notdir $(LIBSO_REAL)) $(BUILD)/$(SONAME)
	$(Q)ln -sf $(SONAME) $@

$(AXVM): $(CLI_OBJS) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIBA) $(LDLIBS)

# Each test binary: its own file + the harness + support code + the library.
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_SUPPORT_OBJS) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJS) $(LIBA) $(LDLIBS)

$(BUILD)/tests/%.o: CPPFLAGS += -Itests -Itests/support -DAXVM_GUEST_DIR=\"$(abspath $(BUILD))/guests\" \
	-DAXVM_BUILD_DIR=\"$(abspath $(BUILD))\"

# Guest programs (riscv64 cross-compiled); defines `guests`.
GUEST_OUT := $(BUILD)/guests
-include guests/guests.mk
# Benchmark guests and tools; defines `bench-guests`.
-include bench/bench.mk
-include tests/diff/diff.mk

deps:
	$(Q)bash scripts/deps.sh

unit-test-bins: $(UNIT_TESTS) $(GUEST_TESTS)

unit-test: $(UNIT_TESTS)
	$(Q)bash scripts/run-tests.sh $(UNIT_TESTS)

guest-test: guests $(GUEST_TESTS) $(AXVM)
	$(Q)bash scripts/run-tests.sh $(GUEST_TESTS)

test: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all guests $(UNIT_TESTS) $(GUEST_TESTS)
	$(Q)AXVM=$(abspath $(AXVM)) BUILD=$(BUILD) SANITIZE=$(SANITIZE) GUEST_OUT=$(abspath $(GUEST_OUT)) \
		bash scripts/run-tests.sh $(UNIT_TESTS) $(GUEST_TESTS) \
		$(sort $(wildcard tests/integration/*.sh))

# ThreadSanitizer on the multi-threaded tests (vCPU threads, the runtime,
# cross-thread kicks, flushes and guest-memory access). Built with clang: gcc
# rejects the hart's atomic_thread_fence under -fsanitize=thread
# (-Werror=tsan). tests/tsan.supp silences the guest's own races on its RAM
# and nothing else.
TSAN_BUILD ?= build/tsan
TSAN_TESTS := $(addprefix $(TSAN_BUILD)/tests/,unit/test_vm unit/test_runtime unit/test_machine \
	unit/test_board unit/test_hart unit/test_hart_dcache unit/test_hart_amo unit/test_sbi \
	unit/test_sbi3 \
	unit/test_ns16550a unit/test_dev_lock unit/test_hal unit/test_console unit/test_event unit/test_p9 \
	guest/test_smp guest/test_code guest/test_guests_on_board)
tsan-test:
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) CC=clang SANITIZE=thread BUILD=$(TSAN_BUILD) \
		all guests $(TSAN_TESTS)
	$(Q)TSAN_OPTIONS="suppressions=$(abspath tests/tsan.supp) halt_on_error=1 second_deadlock_stack=1" \
		bash scripts/run-tests.sh $(TSAN_TESTS)

# Fuzz targets (libFuzzer, clang): build/fuzz/fuzz_NAME from tests/fuzz/fuzz_NAME.c,
# each linked with an ASan+UBSan clang build of the library, so that a target
# never lists library sources by hand. Run one over its corpus, e.g.
# build/fuzz/fuzz_toml -runs=1000 tests/data/config.
FUZZ_BUILD ?= build/fuzz
fuzz:
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) CC=clang SANITIZE=address,undefined \
		BUILD=$(FUZZ_BUILD) $(FUZZ_BUILD)/libaxvm.a
	$(Q)for src in $(sort $(wildcard tests/fuzz/fuzz_*.c)); do \
		out=$(FUZZ_BUILD)/$$(basename $$src .c); \
		$(if $(Q),echo "  FUZZ    $$out";) \
		clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc -D_GNU_SOURCE \
			$$src $(FUZZ_BUILD)/libaxvm.a $(LDLIBS) -o $$out || exit 1; \
	done

# The Debian guest (scripts/debian-guest.sh builds it once: ~1.5 min and
# ~114 MB from Debian's mirror; cached in ~/.cache/axvm): a shell on a
# terminal, its scripted session otherwise.
run: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all
	$(Q)bash scripts/run-debian.sh $(AXVM)

# The bare-metal greeting (guests/hello): a few milliseconds, nothing to fetch.
run-hello: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all guests
	$(Q)bash scripts/run-default.sh $(AXVM) $(GUEST_OUT)

bench: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all guests bench-guests
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) COUNTERS=0 BUILD=$(BUILD)/nocounters \
		$(BUILD)/nocounters/axvm
	$(Q)bash bench/run.sh $(BUILD)

install: $(LIBA) $(LIBSO) $(AXVM)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/axvm \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSO_REAL) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(notdir $(LIBSO_REAL)) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libaxvm.so
	install -m 644 include/axvm/*.h $(DESTDIR)$(PREFIX)/include/axvm/
	install -m 755 $(AXVM) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS@|$(LDLIBS)|' \
		libaxvm.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libaxvm.pc

# Style and header hygiene: every public header compiles alone, and every
# C file in git (guests/ aside) is formatted as .clang-format says. Fails on
# the first header that does not compile or on any misformatted file (the
# first 50 lines of clang-format's report here, all of it in
# $(BUILD)/check-format.log). CHECK_HEADERS and CHECK_FORMAT replace the file
# lists (tests/integration/check.sh gives it broken files).
CHECK_HEADERS ?= $(wildcard include/axvm/*.h)
CHECK_FORMAT ?= $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^guests/')
check:
	$(Q)for h in $(CHECK_HEADERS); do \
		echo "#include \"$$h\"" | $(CC) $(filter-out -MMD -MP,$(CPPFLAGS)) -std=c11 $(WARNINGS) -x c -fsyntax-only - || \
			{ echo "check: $$h does not compile alone" >&2; exit 1; }; \
	done
	$(Q)if [ -z "$(strip $(CHECK_FORMAT))" ]; then \
		echo "check: no C files to check (not a git checkout? git ls-files found none)" >&2; exit 1; fi
	$(Q)command -v clang-format >/dev/null || \
		{ echo "check: clang-format not found (scripts/deps.sh installs clang-format)" >&2; exit 1; }
	$(Q)mkdir -p $(BUILD)
	$(Q)if ! clang-format --dry-run --Werror --style=file:$(CURDIR)/.clang-format $(CHECK_FORMAT) \
			>$(BUILD)/check-format.log 2>&1; then \
		head -n 50 $(BUILD)/check-format.log >&2; \
		echo "check: not formatted as .clang-format says (make format fixes them):" \
			$$(sed -n 's/^\([^ :]*\):[0-9]*:[0-9]*: error: .*/\1/p' $(BUILD)/check-format.log | sort -u) >&2; \
		exit 1; \
	fi

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^guests/')

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
