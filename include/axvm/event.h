/* SPDX-License-Identifier: MIT */
/*
 * The event service: host file-descriptor readiness, one-shot timers and
 * cross-thread notifications, dispatched as callbacks on the one thread that
 * runs the loop (the I/O thread). Devices and consoles use it so that a
 * vCPU thread never waits on host I/O and nothing polls: a vCPU only
 * records work and calls axvm_event_notify, and the I/O thread does it.
 *
 * The library starts no thread for it. axvm_runtime_run runs the loop on
 * the thread that called it (the runtime's main thread is the I/O thread);
 * an embedder that builds its VM without the runtime runs
 * axvm_event_loop_run on a thread of its own, or calls
 * axvm_event_loop_run_once from its own loop.
 *
 * Built on Linux epoll, eventfd and timerfd. A regular file cannot be
 * watched (it is always ready): axvm_event_add_fd refuses it with
 * -AXVM_ENOTSUP, and the caller simply does its I/O.
 *
 * Threads: axvm_event_notify, axvm_event_timer_arm/disarm and
 * axvm_event_loop_stop are safe from any thread (notify also from a signal
 * handler). Everything else runs on the loop's thread, or on any one thread
 * while the loop is not running. A callback may add or remove events,
 * itself included.
 */
#ifndef AXVM_EVENT_H
#define AXVM_EVENT_H

#include "types.h"

/* Readiness bits for file descriptors (callbacks get them; timers and notifiers get 0). */
#define AXVM_EVENT_IN 0x1u
#define AXVM_EVENT_OUT 0x2u
#define AXVM_EVENT_HUP 0x4u /* hang-up or error: reported whatever was asked */

struct axvm_event_loop;
struct axvm_event;

typedef void (*axvm_event_fn)(void *opaque, uint32_t events);

AXVM_API int axvm_event_loop_create(struct axvm_event_loop **out);
/* Removes (and frees) every event still registered; their fds are not closed. */
AXVM_API void axvm_event_loop_destroy(struct axvm_event_loop *loop);

/*
 * Wait up to timeout_ms (-1: until something happens, 0: do not wait) and
 * run the callbacks of what is ready. Returns the number of callbacks run,
 * or a negative AXVM_E*. An interrupted wait (EINTR) returns 0.
 */
AXVM_API int axvm_event_loop_run_once(struct axvm_event_loop *loop, int timeout_ms);
/* Run until axvm_event_loop_stop; 0, or a negative AXVM_E* on failure. */
AXVM_API int axvm_event_loop_run(struct axvm_event_loop *loop);
/* Make axvm_event_loop_run return after its current dispatch (any thread). */
AXVM_API void axvm_event_loop_stop(struct axvm_event_loop *loop);

/*
 * Watch `fd` for AXVM_EVENT_IN and/or AXVM_EVENT_OUT (0: registered but
 * paused). The fd stays the caller's: remove the event before closing it.
 * -AXVM_ENOTSUP for an fd epoll cannot watch (a regular file, /dev/null).
 */
AXVM_API int axvm_event_add_fd(struct axvm_event_loop *loop, int fd, uint32_t events,
			       axvm_event_fn fn, void *opaque, struct axvm_event **out);
AXVM_API int axvm_event_set_fd_events(struct axvm_event *ev, uint32_t events);

/* A notifier: axvm_event_notify from any thread runs fn once on the loop's thread. */
AXVM_API int axvm_event_add_notifier(struct axvm_event_loop *loop, axvm_event_fn fn, void *opaque,
				     struct axvm_event **out);
/* Any thread, async-signal-safe; notifications before the callback runs coalesce. */
AXVM_API void axvm_event_notify(struct axvm_event *ev);

/* A one-shot timer on the host's monotonic clock. */
AXVM_API int axvm_event_add_timer(struct axvm_event_loop *loop, axvm_event_fn fn, void *opaque,
				  struct axvm_event **out);
/* Fire once, delay_ns from now (0: as soon as possible); re-arming moves it. Any thread. */
AXVM_API int axvm_event_timer_arm(struct axvm_event *ev, uint64_t delay_ns);
AXVM_API int axvm_event_timer_disarm(struct axvm_event *ev);
/* Armed and not fired yet (exact on the loop's thread; a hint elsewhere). */
AXVM_API bool axvm_event_timer_is_armed(const struct axvm_event *ev);

/* Unregister and free (a notifier's or timer's own fd is closed). NULL is fine. */
AXVM_API void axvm_event_remove(struct axvm_event *ev);

#endif
