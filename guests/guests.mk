# Guest programs: bare-metal riscv64 S-mode images, included by the top
# Makefile (GUEST_OUT is set there). Each program P becomes
# $(GUEST_OUT)/P.elf and $(GUEST_OUT)/P.bin, linked at 0x80200000 with the
# guest library in guests/lib/.
#   guests/hello/*.{c,S}            -> hello      (the default guest: make run)
#   guests/isa/NAME.c [+ NAME_s.S]  -> isa_NAME   (ISA self-tests; fp*.c build with
#                                               GUEST_MARCH_FP, the rest GUEST_MARCH)
#   guests/smp/*.{c,S}              -> smp        (multi-hart counter tests)
#   guests/fail/*.{c,S}             -> fail       (always fails: checks the runners)
#   guests/sbi/*.{c,S}              -> sbi        (the SBI from a guest)
#   guests/fp/*.{c,S}               -> fp         (F/D results and fflags, GUEST_MARCH_FP)
#   guests/console/*.{c,S}          -> console    (console paths, backpressure; its -p says what)
#   guests/gdb/*.{c,S}              -> gdb        (the GDB stub's target: tests/integration/gdb.sh)

GUEST_CROSS ?= riscv64-unknown-elf-
GUEST_CC := $(GUEST_CROSS)gcc
GUEST_OBJCOPY := $(GUEST_CROSS)objcopy
GUEST_MARCH ?= rv64imac_zicsr_zifencei
GUEST_MARCH_FP ?= rv64gc
GUEST_CFLAGS := -march=$(GUEST_MARCH) -mabi=lp64 -mcmodel=medany -nostdlib -ffreestanding \
	-fno-builtin -fno-stack-protector -fno-pic -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-Iguests/lib -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -Wl,--no-warn-rwx-segments -T guests/lib/link.ld

GUEST_OBJDIR := $(GUEST_OUT)/obj
GUEST_LIB_SRCS := $(sort $(wildcard guests/lib/*.c guests/lib/*.S))
GUEST_LIB_OBJS := $(patsubst %,$(GUEST_OBJDIR)/%.o,$(GUEST_LIB_SRCS))

GUEST_ISA_NAMES := $(sort $(basename $(notdir $(wildcard guests/isa/*.c))))
GUEST_PROGS := hello smp fail sbi $(GUEST_ISA_NAMES:%=isa_%)
GUEST_PROGS += fp console gdb

guest_srcs_hello := $(sort $(wildcard guests/hello/*.c guests/hello/*.S))
guest_srcs_smp := $(sort $(wildcard guests/smp/*.c guests/smp/*.S))
guest_srcs_fail := $(sort $(wildcard guests/fail/*.c guests/fail/*.S))
guest_srcs_sbi := $(sort $(wildcard guests/sbi/*.c guests/sbi/*.S))
guest_srcs_fp := $(sort $(wildcard guests/fp/*.c guests/fp/*.S))
guest_srcs_console := $(sort $(wildcard guests/console/*.c guests/console/*.S))
guest_srcs_gdb := $(sort $(wildcard guests/gdb/*.c guests/gdb/*.S))
$(foreach n,$(GUEST_ISA_NAMES),$(eval guest_srcs_isa_$(n) := \
	guests/isa/$(n).c $(wildcard guests/isa/$(n)_s.S)))

GUEST_ELFS := $(GUEST_PROGS:%=$(GUEST_OUT)/%.elf)
GUEST_BINS := $(GUEST_PROGS:%=$(GUEST_OUT)/%.bin)

.PHONY: guests
guests: $(GUEST_ELFS) $(GUEST_BINS)

$(GUEST_OBJDIR)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUESTCC $<")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

# The FP self-tests need F/D in the assembler; the library stays rv64imac.
# (the last -march wins)
$(GUEST_OBJDIR)/guests/isa/fp%.o: GUEST_CFLAGS += -march=$(GUEST_MARCH_FP)
$(GUEST_OBJDIR)/guests/fp/%.o: GUEST_CFLAGS += -march=$(GUEST_MARCH_FP)

$(GUEST_OBJDIR)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUESTAS $<")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

define guest_prog_rule
$(GUEST_OUT)/$(1).elf: $(patsubst %,$(GUEST_OBJDIR)/%.o,$(guest_srcs_$(1))) $(GUEST_LIB_OBJS) \
		guests/lib/link.ld
	@$$(if $$(Q),echo "  GUESTLD $$@")
	$$(Q)$$(GUEST_CC) $$(GUEST_CFLAGS) $$(GUEST_LDFLAGS) -o $$@ \
		$(patsubst %,$(GUEST_OBJDIR)/%.o,$(guest_srcs_$(1))) $$(GUEST_LIB_OBJS) -lgcc
endef
$(foreach p,$(GUEST_PROGS),$(eval $(call guest_prog_rule,$(p))))

$(GUEST_OUT)/%.bin: $(GUEST_OUT)/%.elf
	$(Q)$(GUEST_OBJCOPY) -O binary $< $@
