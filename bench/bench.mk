# Benchmarks (`make bench`), included by the top Makefile after guests.mk.
#   guests/bench/NAME.c [+ NAME_s.S] + guests/bench/bench.c
#                               -> $(GUEST_OUT)/bench_NAME.{elf,bin}
#   guests/bench/fp.c           is built rv64gc (it needs the FPU)
#   bench/lifecycle.c           -> $(BUILD)/bench/lifecycle (host, libaxvm.a)
#   bench/blk_guest.c           a riscv64 Linux program: bench/run.sh cross-compiles
#                               it (storage group) into the Debian guest's image copy
# `bench-guests` builds them all; bench/run.sh runs them.

BENCH_GUEST_NAMES := $(filter-out bench,$(sort $(basename $(notdir \
	$(wildcard guests/bench/*.c)))))
BENCH_GUEST_PROGS := $(BENCH_GUEST_NAMES:%=bench_%)
BENCH_GUEST_ELFS := $(BENCH_GUEST_PROGS:%=$(GUEST_OUT)/%.elf)
BENCH_GUEST_BINS := $(BENCH_GUEST_PROGS:%=$(GUEST_OUT)/%.bin)
BENCH_GUEST_MARCH_FP := rv64imafdc_zicsr_zifencei

$(GUEST_OBJDIR)/guests/bench/fp.c.o: GUEST_CFLAGS := \
	$(filter-out -march=%,$(GUEST_CFLAGS)) -march=$(BENCH_GUEST_MARCH_FP)

define bench_guest_rule
bench_srcs_$(1) := guests/bench/$(1).c $(wildcard guests/bench/$(1)_s.S) guests/bench/bench.c
$(GUEST_OUT)/bench_$(1).elf: $$(patsubst %,$(GUEST_OBJDIR)/%.o,$$(bench_srcs_$(1))) \
		$(GUEST_LIB_OBJS) guests/lib/link.ld
	@$$(if $$(Q),echo "  GUESTLD $$@")
	$$(Q)$$(GUEST_CC) $$(GUEST_CFLAGS) $$(GUEST_LDFLAGS) -o $$@ \
		$$(patsubst %,$(GUEST_OBJDIR)/%.o,$$(bench_srcs_$(1))) $$(GUEST_LIB_OBJS) -lgcc
endef
$(foreach n,$(BENCH_GUEST_NAMES),$(eval $(call bench_guest_rule,$(n))))

BENCH_TOOLS := $(BUILD)/bench/lifecycle

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

.PHONY: bench-guests
bench-guests: $(BENCH_GUEST_ELFS) $(BENCH_GUEST_BINS) $(BENCH_TOOLS)

# The correctness test of the bench guests (tests/guest/test_bench_guests.c)
# runs them: `make test` builds them through this.
$(BUILD)/tests/guest/test_bench_guests: $(BENCH_GUEST_ELFS)
