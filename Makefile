# axvm: one non-recursive GNU Makefile.
#   make                 libaxvm.a, libaxvm.so, the axvm CLI
#   make test            build and run every test; ends with "N passed, N failed"
#   make run             boot the default guest
#   make bench           benchmarks side by side with QEMU
#   make install PREFIX=/usr/local
# Options: V=1 (show commands), WERROR=0 (warnings not fatal),
#          SANITIZE=address,undefined (separate build dir), CC=clang.

CC ?= gcc
AR ?= ar
PREFIX ?= /usr/local
WERROR ?= 1
SANITIZE ?=
O ?= 2
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

ifeq ($(SANITIZE),)
BUILD ?= build
else
BUILD ?= build/san-$(subst $(comma),-,$(SANITIZE))
endif
comma := ,

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
CFLAGS ?= -O$(O) -g
CFLAGS += -std=c11 -fPIC -fno-semantic-interposition -pthread $(WARNINGS)
LDLIBS += -lfdt -luring -lm -pthread
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

LIBA := $(BUILD)/libaxvm.a
LIBSO := $(BUILD)/libaxvm.so
AXVM := $(BUILD)/axvm

.SECONDARY:
.PHONY: all lib test unit-test-bins unit-test guest-test run bench install check clean deps format
all: $(LIBA) $(LIBSO) $(AXVM)
lib: $(LIBA) $(LIBSO)

$(BUILD)/%.o: %.c
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

$(LIBSO): $(LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

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

run: deps
	$(Q)$(MAKE) --no-print-directory all guests
	$(Q)bash scripts/run-default.sh $(AXVM) $(GUEST_OUT)

bench: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all guests bench-guests
	$(Q)bash bench/run.sh $(BUILD)

install: $(LIBA) $(LIBSO) $(AXVM)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/axvm \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/axvm/*.h $(DESTDIR)$(PREFIX)/include/axvm/
	install -m 755 $(AXVM) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/.*AXVM_VERSION "\(.*\)"/\1/p' include/axvm/axvm.h)|' \
		libaxvm.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libaxvm.pc

# Style and header hygiene: every public header compiles alone.
check:
	$(Q)for h in include/axvm/*.h; do \
		echo "#include \"$$h\"" | $(CC) $(CPPFLAGS) -std=c11 $(WARNINGS) -x c -fsyntax-only - || exit 1; \
	done
	$(Q)clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h' | grep -v '^guests/') 2>&1 | head -50

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^guests/')

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
