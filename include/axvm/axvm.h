/* SPDX-License-Identifier: MIT */
/* The whole public API of libaxvm. */
#ifndef AXVM_AXVM_H
#define AXVM_AXVM_H

#include "addrspace.h"
#include "board.h"
#include "config.h"
#include "console.h"
#include "device.h"
#include "event.h"
#include "exit.h"
#include "hal.h"
#include "log.h"
#include "riscv64.h"
#include "runtime.h"
#include "types.h"
#include "vcpu.h"
#include "vm.h"

#define AXVM_VERSION "0.1.0"

#endif
