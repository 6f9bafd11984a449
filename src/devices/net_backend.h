/* SPDX-License-Identifier: MIT */
/*
 * The host side of a network device: where the guest's Ethernet frames go
 * and where its incoming frames come from. One const ops table per backend
 * file (net_slirp.c: "user", net_tap.c: "tap"); virtio-net picks one by
 * the first word of its options ("user,hostfwd=...", "tap,ifname=tap0").
 *
 * Frames are whole Ethernet frames (destination MAC first), no virtio
 * header, no FCS, at most NET_FRAME_MAX bytes.
 *
 * Flow and memory: a backend never queues the guest's frames without
 * bound (it sends or drops them); frames for the guest go to the peer's
 * receive, which either takes them (into a guest buffer or its own bounded
 * queue) or drops them. A backend that can wait (TAP: its fd) stops reading
 * while peer->can_receive says no and resumes on the resume op; one that
 * cannot (slirp: TCP retransmits) just hands frames over.
 *
 * Threads: everything runs on the event loop's thread (create and destroy
 * on the board's thread while the loop does not run).
 */
#ifndef AXVM_DEVICES_NET_BACKEND_H
#define AXVM_DEVICES_NET_BACKEND_H

#include <axvm/event.h>
#include <stddef.h>
#include <sys/uio.h>

#include "devclass.h"

/* A frame: 14 bytes of header up to a 64 KiB payload (no GSO: MTU + 14 in practice). */
#define NET_FRAME_MIN 14u
#define NET_FRAME_MAX (65535u + 14u)

/* The device a backend delivers to. */
struct net_peer {
	/* A frame for the guest (copied before returning). */
	void (*receive)(void *opaque, const void *frame, size_t len);
	/* The backend has delivered a batch: raise the interrupt if due. */
	void (*flush)(void *opaque);
	/* Room for at least one more frame now (guest buffers or queue)? */
	bool (*can_receive)(void *opaque);
	void *opaque;
};

struct net_backend_ctx {
	const struct axvm_devclass_ctx *dev; /* the device's context: events, origin, index */
	const char *options; /* the backend's own items ("hostfwd=...,ifname=...") */
	const uint8_t *mac;  /* the guest's MAC (6 bytes) */
	unsigned mtu;
	struct net_peer peer;
};

struct net_backend;

struct net_backend_ops {
	const char *name; /* "user" */
	/*
	 * Every frame it delivers has whole, correct checksums (slirp builds
	 * them itself): the guest may skip verifying (VIRTIO_NET_F_GUEST_CSUM).
	 * Not TAP: its frames may come from a wire the host only bridges.
	 */
	bool frames_checksummed;
	/* 0, or a negative AXVM_E* with a message recorded (axvm_devclass_fail). */
	int (*create)(const struct net_backend_ctx *ctx, struct net_backend **out);
	/* One frame from the guest: sent now or dropped, never kept. */
	void (*send)(struct net_backend *be, const void *frame, size_t len);
	/* A batch of sends is over (flush what was held back for it). Optional. */
	void (*send_done)(struct net_backend *be);
	/* The peer has room again after can_receive said no. Optional. */
	void (*resume)(struct net_backend *be);
	void (*destroy)(struct net_backend *be);
};

extern const struct net_backend_ops net_backend_user;
extern const struct net_backend_ops net_backend_tap;

/* By name ("user", "tap"); NULL if none. */
const struct net_backend_ops *net_backend_find(const char *name);

#endif
