#!/usr/bin/env bash
# Boot the bare-metal greeting (guests/hello) with the axvm CLI: what
# `make run-hello` does (`make run` boots the Debian guest, scripts/run-debian.sh).
#   scripts/run-default.sh BUILD/axvm GUEST_DIR
# The guest greets on the SBI console, runs a short self-check and powers off
# with SBI SRST; the exit status is the guest's (0 for a clean poweroff).
set -u
if [ $# -ne 2 ]; then
	echo "usage: $0 AXVM_BINARY GUEST_DIR" >&2
	exit 2
fi
axvm=$1
guest=$2/hello.elf
if [ ! -x "$axvm" ]; then
	echo "run-default: $axvm is not built (run make first)" >&2
	exit 1
fi
if [ ! -f "$guest" ]; then
	echo "run-default: $guest is not built (make guests)" >&2
	exit 1
fi
if ! "$axvm" --help 2>&1 | grep -q '\brun\b'; then
	echo "run-default: $axvm has no 'run' command yet; cannot boot $guest" >&2
	exit 1
fi
exec "$axvm" run -k "$guest"
