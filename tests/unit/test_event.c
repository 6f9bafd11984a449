/* SPDX-License-Identifier: MIT */
/*
 * The event service (axvm/event.h): fd readiness, notifiers from other
 * threads, one-shot timers, removal from inside a callback, and the fds it
 * cannot watch.
 */
#include "test.h"

#include <axvm/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct ev_count {
	unsigned calls;
	uint32_t last;
	struct axvm_event *remove; /* removed by the callback */
	struct axvm_event_loop *stop;
};

static void ev_cb(void *opaque, uint32_t events)
{
	struct ev_count *c = opaque;

	c->calls++;
	c->last = events;
	if (c->remove) {
		axvm_event_remove(c->remove);
		c->remove = NULL;
	}
	if (c->stop)
		axvm_event_loop_stop(c->stop);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

TEST(test_event_fd_readiness_runs_the_callback)
{
	struct axvm_event_loop *loop;
	struct axvm_event *ev;
	struct ev_count c = {0};
	int p[2];

	REQUIRE(pipe(p) == 0);
	REQUIRE_OK(axvm_event_loop_create(&loop));
	REQUIRE_OK(axvm_event_add_fd(loop, p[0], AXVM_EVENT_IN, ev_cb, &c, &ev));
	CHECK_INT(0, axvm_event_loop_run_once(loop, 0));
	CHECK_INT(1, write(p[1], "x", 1));
	CHECK_INT(1, axvm_event_loop_run_once(loop, 1000));
	CHECK_INT(1, c.calls);
	CHECK_INT(AXVM_EVENT_IN, c.last);
	/* Paused: readable, but not reported. */
	REQUIRE_OK(axvm_event_set_fd_events(ev, 0));
	CHECK_INT(0, axvm_event_loop_run_once(loop, 0));
	REQUIRE_OK(axvm_event_set_fd_events(ev, AXVM_EVENT_IN));
	CHECK_INT(1, axvm_event_loop_run_once(loop, 0));
	CHECK_INT(2, c.calls);
	axvm_event_loop_destroy(loop);
	close(p[0]);
	close(p[1]);
}

TEST(test_event_hangup_is_reported)
{
	struct axvm_event_loop *loop;
	struct axvm_event *ev;
	struct ev_count c = {0};
	int p[2];

	REQUIRE(pipe(p) == 0);
	REQUIRE_OK(axvm_event_loop_create(&loop));
	/* A pipe's write end whose reader is gone: HUP/ERR even though only OUT was asked. */
	close(p[0]);
	REQUIRE_OK(axvm_event_add_fd(loop, p[1], 0, ev_cb, &c, &ev));
	CHECK_INT(1, axvm_event_loop_run_once(loop, 1000));
	CHECK(c.last & AXVM_EVENT_HUP);
	axvm_event_loop_destroy(loop);
	close(p[1]);
}

TEST(test_event_regular_file_is_refused_as_unwatchable)
{
	struct axvm_event_loop *loop;
	struct axvm_event *ev = (struct axvm_event *)1;
	struct ev_count c = {0};
	char path[] = "/tmp/axvm-test-event-XXXXXX";
	int fd = mkstemp(path);

	REQUIRE(fd >= 0);
	unlink(path);
	REQUIRE_OK(axvm_event_loop_create(&loop));
	CHECK_INT(-AXVM_ENOTSUP, axvm_event_add_fd(loop, fd, AXVM_EVENT_IN, ev_cb, &c, &ev));
	CHECK(ev == NULL);
	axvm_event_loop_destroy(loop);
	close(fd);
}

struct notify_thread {
	struct axvm_event *ev;
	int times;
};

static void *notify_from_thread(void *arg)
{
	struct notify_thread *n = arg;

	for (int i = 0; i < n->times; i++)
		axvm_event_notify(n->ev);
	return NULL;
}

TEST(test_event_notifications_from_another_thread_coalesce)
{
	struct axvm_event_loop *loop;
	struct ev_count c = {0};
	struct notify_thread n = {.times = 1000};
	pthread_t t;

	REQUIRE_OK(axvm_event_loop_create(&loop));
	REQUIRE_OK(axvm_event_add_notifier(loop, ev_cb, &c, &n.ev));
	REQUIRE(pthread_create(&t, NULL, notify_from_thread, &n) == 0);
	pthread_join(t, NULL);
	CHECK_INT(1, axvm_event_loop_run_once(loop, 1000));
	CHECK_INT(1, c.calls);
	CHECK_INT(0, axvm_event_loop_run_once(loop, 0));
	axvm_event_loop_destroy(loop);
}

TEST(test_event_timer_fires_once_after_its_delay)
{
	struct axvm_event_loop *loop;
	struct axvm_event *t;
	struct ev_count c = {0};
	uint64_t start;

	REQUIRE_OK(axvm_event_loop_create(&loop));
	REQUIRE_OK(axvm_event_add_timer(loop, ev_cb, &c, &t));
	CHECK(!axvm_event_timer_is_armed(t));
	start = now_ns();
	REQUIRE_OK(axvm_event_timer_arm(t, 20000000));
	CHECK(axvm_event_timer_is_armed(t));
	while (!c.calls && now_ns() - start < 5000000000ull)
		axvm_event_loop_run_once(loop, 1000);
	CHECK_INT(1, c.calls);
	CHECK(now_ns() - start >= 20000000);
	CHECK(!axvm_event_timer_is_armed(t));
	CHECK_INT(0, axvm_event_loop_run_once(loop, 30));
	CHECK_INT(1, c.calls);
	axvm_event_loop_destroy(loop);
}

TEST(test_event_disarmed_timer_does_not_fire)
{
	struct axvm_event_loop *loop;
	struct axvm_event *t;
	struct ev_count c = {0};
	struct timespec ts = {0, 5000000};

	REQUIRE_OK(axvm_event_loop_create(&loop));
	REQUIRE_OK(axvm_event_add_timer(loop, ev_cb, &c, &t));
	REQUIRE_OK(axvm_event_timer_arm(t, 1000000));
	nanosleep(&ts, NULL); /* expired, not dispatched yet */
	REQUIRE_OK(axvm_event_timer_disarm(t));
	CHECK_INT(0, axvm_event_loop_run_once(loop, 10));
	CHECK_INT(0, c.calls);
	axvm_event_loop_destroy(loop);
}

TEST(test_event_callback_may_remove_an_event_of_the_same_batch)
{
	struct axvm_event_loop *loop;
	struct ev_count a = {0}, b = {0};
	struct axvm_event *ea, *eb;

	REQUIRE_OK(axvm_event_loop_create(&loop));
	REQUIRE_OK(axvm_event_add_notifier(loop, ev_cb, &a, &ea));
	REQUIRE_OK(axvm_event_add_notifier(loop, ev_cb, &b, &eb));
	/* Whichever runs first removes the other, which must then not run. */
	a.remove = eb;
	b.remove = ea;
	axvm_event_notify(ea);
	axvm_event_notify(eb);
	axvm_event_loop_run_once(loop, 1000);
	CHECK_INT(1, a.calls + b.calls);
	CHECK_INT(0, axvm_event_loop_run_once(loop, 0));
	axvm_event_loop_destroy(loop);
}

TEST(test_event_loop_run_returns_after_stop)
{
	struct axvm_event_loop *loop;
	struct axvm_event *ev;
	struct ev_count c = {0};

	REQUIRE_OK(axvm_event_loop_create(&loop));
	REQUIRE_OK(axvm_event_add_notifier(loop, ev_cb, &c, &ev));
	c.stop = loop;
	axvm_event_notify(ev);
	REQUIRE_OK(axvm_event_loop_run(loop));
	CHECK_INT(1, c.calls);
	axvm_event_loop_destroy(loop);
}
