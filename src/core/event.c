/* SPDX-License-Identifier: MIT */
/*
 * The event service over epoll: every event is one epoll registration whose
 * data pointer is the struct axvm_event. Notifiers are eventfds and timers
 * timerfds, so "any thread" operations are single syscalls on their own fd
 * and need no lock. A callback may remove events that are still in the
 * batch epoll_wait returned: removal only marks them dead and unlinks them
 * from epoll, and the memory is freed once the batch is done.
 */
#include <axvm/event.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/error.h"

#define EVENT_BATCH 32

enum event_kind { EVENT_FD, EVENT_NOTIFIER, EVENT_TIMER };

struct axvm_event {
	struct axvm_event_loop *loop;
	enum event_kind kind;
	int fd;
	uint32_t events;
	axvm_event_fn fn;
	void *opaque;
	bool armed; /* timers; __atomic */
	bool dead;
	struct axvm_event *next; /* the loop's list of live events, or its dead list */
};

struct axvm_event_loop {
	int epfd;
	struct axvm_event *live;
	struct axvm_event *dead; /* removed during a dispatch: freed after it */
	int dispatching;
	struct axvm_event *stop_ev;
	bool stop; /* __atomic */
};

static uint32_t event_to_epoll(uint32_t events)
{
	return ((events & AXVM_EVENT_IN) ? EPOLLIN : 0u) |
	       ((events & AXVM_EVENT_OUT) ? EPOLLOUT : 0u);
}

static uint32_t event_from_epoll(uint32_t e)
{
	return ((e & EPOLLIN) ? AXVM_EVENT_IN : 0u) | ((e & EPOLLOUT) ? AXVM_EVENT_OUT : 0u) |
	       ((e & (EPOLLHUP | EPOLLERR)) ? AXVM_EVENT_HUP : 0u);
}

static void event_stop_fn(void *opaque, uint32_t events)
{
}

int axvm_event_loop_create(struct axvm_event_loop **out)
{
	struct axvm_event_loop *loop;
	int ret;

	*out = NULL;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return axvm_error_set(-AXVM_ENOMEM, "event loop: out of memory");
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int e = errno;

		free(loop);
		return axvm_error_set(e == ENOMEM || e == EMFILE || e == ENFILE ? -AXVM_ENOMEM
										: -AXVM_EIO,
				      "event loop: epoll_create1: %s", strerror(e));
	}
	ret = axvm_event_add_notifier(loop, event_stop_fn, NULL, &loop->stop_ev);
	if (ret) {
		close(loop->epfd);
		free(loop);
		return ret;
	}
	*out = loop;
	return 0;
}

static void event_free(struct axvm_event *ev)
{
	if (ev->kind != EVENT_FD)
		close(ev->fd);
	free(ev);
}

static void event_free_dead(struct axvm_event_loop *loop)
{
	while (loop->dead) {
		struct axvm_event *ev = loop->dead;

		loop->dead = ev->next;
		event_free(ev);
	}
}

void axvm_event_loop_destroy(struct axvm_event_loop *loop)
{
	if (!loop)
		return;
	while (loop->live)
		axvm_event_remove(loop->live);
	event_free_dead(loop);
	close(loop->epfd);
	free(loop);
}

static int event_errno(int e)
{
	switch (e) {
	case EPERM:
		return -AXVM_ENOTSUP; /* a regular file or a device epoll cannot watch */
	case ENOMEM:
	case ENOSPC:
		return -AXVM_ENOMEM;
	case EBADF:
	case EINVAL:
		return -AXVM_EINVAL;
	default:
		return -AXVM_EIO;
	}
}

static int event_add(struct axvm_event_loop *loop, enum event_kind kind, int fd, uint32_t events,
		     axvm_event_fn fn, void *opaque, struct axvm_event **out)
{
	struct axvm_event *ev;
	struct epoll_event ee = {0};

	*out = NULL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return axvm_error_set(-AXVM_ENOMEM, "event loop: out of memory");
	ev->loop = loop;
	ev->kind = kind;
	ev->fd = fd;
	ev->events = events;
	ev->fn = fn;
	ev->opaque = opaque;
	ee.events = event_to_epoll(events);
	ee.data.ptr = ev;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ee) != 0) {
		int e = errno;

		free(ev);
		return axvm_error_set(event_errno(e), "event loop: cannot watch fd %d: %s", fd,
				      e == EPERM ? "not pollable (a regular file?)" : strerror(e));
	}
	ev->next = loop->live;
	loop->live = ev;
	*out = ev;
	return 0;
}

int axvm_event_add_fd(struct axvm_event_loop *loop, int fd, uint32_t events, axvm_event_fn fn,
		      void *opaque, struct axvm_event **out)
{
	if (fd < 0 || !fn) {
		*out = NULL;
		return axvm_error_set(-AXVM_EINVAL, "event loop: fd %d or its callback is invalid",
				      fd);
	}
	return event_add(loop, EVENT_FD, fd, events, fn, opaque, out);
}

int axvm_event_set_fd_events(struct axvm_event *ev, uint32_t events)
{
	struct epoll_event ee = {.events = event_to_epoll(events), .data.ptr = ev};

	if (ev->kind != EVENT_FD || ev->dead)
		return -AXVM_EINVAL;
	if (ev->events == events)
		return 0;
	if (epoll_ctl(ev->loop->epfd, EPOLL_CTL_MOD, ev->fd, &ee) != 0)
		return event_errno(errno);
	ev->events = events;
	return 0;
}

int axvm_event_add_notifier(struct axvm_event_loop *loop, axvm_event_fn fn, void *opaque,
			    struct axvm_event **out)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int ret;

	*out = NULL;
	if (fd < 0)
		return axvm_error_set(-AXVM_ENOMEM, "event loop: eventfd: %s", strerror(errno));
	ret = event_add(loop, EVENT_NOTIFIER, fd, AXVM_EVENT_IN, fn, opaque, out);
	if (ret)
		close(fd);
	return ret;
}

void axvm_event_notify(struct axvm_event *ev)
{
	uint64_t one = 1;
	ssize_t n = write(ev->fd, &one, sizeof(one));

	(void)n; /* EAGAIN: the counter is saturated, a wakeup is pending anyway */
}

int axvm_event_add_timer(struct axvm_event_loop *loop, axvm_event_fn fn, void *opaque,
			 struct axvm_event **out)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	int ret;

	*out = NULL;
	if (fd < 0)
		return axvm_error_set(-AXVM_ENOMEM, "event loop: timerfd_create: %s",
				      strerror(errno));
	ret = event_add(loop, EVENT_TIMER, fd, AXVM_EVENT_IN, fn, opaque, out);
	if (ret)
		close(fd);
	return ret;
}

int axvm_event_timer_arm(struct axvm_event *ev, uint64_t delay_ns)
{
	struct itimerspec its = {0};

	if (ev->kind != EVENT_TIMER)
		return -AXVM_EINVAL;
	if (delay_ns == 0)
		delay_ns = 1; /* a zero it_value would disarm it */
	its.it_value.tv_sec = (time_t)(delay_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(delay_ns % 1000000000ull);
	__atomic_store_n(&ev->armed, true, __ATOMIC_RELEASE);
	if (timerfd_settime(ev->fd, 0, &its, NULL) != 0)
		return event_errno(errno);
	return 0;
}

int axvm_event_timer_disarm(struct axvm_event *ev)
{
	struct itimerspec its = {0};
	uint64_t ticks;
	ssize_t n;

	if (ev->kind != EVENT_TIMER)
		return -AXVM_EINVAL;
	__atomic_store_n(&ev->armed, false, __ATOMIC_RELEASE);
	if (timerfd_settime(ev->fd, 0, &its, NULL) != 0)
		return event_errno(errno);
	/* An expiry not yet dispatched must not fire after the disarm. */
	n = read(ev->fd, &ticks, sizeof(ticks));
	(void)n;
	return 0;
}

bool axvm_event_timer_is_armed(const struct axvm_event *ev)
{
	return __atomic_load_n(&ev->armed, __ATOMIC_ACQUIRE);
}

void axvm_event_remove(struct axvm_event *ev)
{
	struct axvm_event_loop *loop;
	struct axvm_event **pp;

	if (!ev || ev->dead)
		return;
	loop = ev->loop;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
	for (pp = &loop->live; *pp; pp = &(*pp)->next) {
		if (*pp == ev) {
			*pp = ev->next;
			break;
		}
	}
	ev->dead = true;
	if (loop->dispatching) {
		ev->next = loop->dead;
		loop->dead = ev;
	} else {
		event_free(ev);
	}
}

static void event_dispatch(struct axvm_event *ev, uint32_t epoll_events)
{
	uint64_t count;
	ssize_t n;

	if (ev->dead)
		return;
	switch (ev->kind) {
	case EVENT_FD:
		ev->fn(ev->opaque, event_from_epoll(epoll_events));
		return;
	case EVENT_NOTIFIER:
		n = read(ev->fd, &count, sizeof(count));
		if (n == (ssize_t)sizeof(count))
			ev->fn(ev->opaque, 0);
		return;
	case EVENT_TIMER:
		/* Nothing to read: disarmed (or re-armed for later) since epoll saw it. */
		n = read(ev->fd, &count, sizeof(count));
		if (n != (ssize_t)sizeof(count))
			return;
		__atomic_store_n(&ev->armed, false, __ATOMIC_RELEASE);
		ev->fn(ev->opaque, 0);
		return;
	}
}

int axvm_event_loop_run_once(struct axvm_event_loop *loop, int timeout_ms)
{
	struct epoll_event ee[EVENT_BATCH];
	int n = epoll_wait(loop->epfd, ee, EVENT_BATCH, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -AXVM_EIO;
	loop->dispatching++;
	for (int i = 0; i < n; i++)
		event_dispatch(ee[i].data.ptr, ee[i].events);
	loop->dispatching--;
	if (!loop->dispatching)
		event_free_dead(loop);
	return n;
}

int axvm_event_loop_run(struct axvm_event_loop *loop)
{
	while (!__atomic_load_n(&loop->stop, __ATOMIC_ACQUIRE)) {
		int ret = axvm_event_loop_run_once(loop, -1);

		if (ret < 0)
			return ret;
	}
	__atomic_store_n(&loop->stop, false, __ATOMIC_RELEASE);
	return 0;
}

void axvm_event_loop_stop(struct axvm_event_loop *loop)
{
	__atomic_store_n(&loop->stop, true, __ATOMIC_RELEASE);
	axvm_event_notify(loop->stop_ev);
}
