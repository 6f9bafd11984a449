/* SPDX-License-Identifier: MIT */
/*
 * virtio-net with the user-mode (slirp) backend, driven by the test's
 * virtio driver: identity, config and options, an ARP exchange with
 * slirp's gateway, the control queue, and a hostile guest: malformed and
 * oversized frames, a descriptor loop, too-small receive buffers, and a
 * flood of replies with no receive buffers (bounded: the excess is
 * dropped). No traffic leaves slirp's own addresses.
 */
#include "test.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/virtio_mmio.h"
#include "virtio_driver.h"

#define RXQ 0
#define TXQ 1
#define CTRLQ 2
#define HDR 12
#define ARP_LEN 42
#define ARP_REPLY_LEN 64 /* slirp pads its replies to the 64-byte minimum frame */
#define RXQ_LIMIT 256	 /* virtio_net.c's NET_RXQ_FRAMES */

static const uint8_t default_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static bool net_setup(struct vdrv *d, const char *options)
{
	int ret = vdrv_setup(d, &axvm_virtio_net_class, options, NULL);

	if (ret)
		printf("    setup: %d %s\n", ret, d->err);
	return ret == 0 && vdrv_init(d, 0, 3, 256);
}

/* An ARP request "who has 10.0.2.2" from `mac` (10.0.2.15), with the virtio header. */
static uint64_t arp_request(struct vdrv *d, const uint8_t *mac)
{
	uint64_t buf = vdrv_alloc(d, HDR + ARP_LEN, 8);
	uint8_t *p = vdrv_host(d, buf);
	uint8_t *f = p + HDR;

	memset(p, 0, HDR + ARP_LEN);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;		    /* ARP */
	f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0; /* Ethernet, IPv4 */
	f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1; /* request */
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, (const uint8_t[]){10, 0, 2, 15}, 4);
	memcpy(f + 38, (const uint8_t[]){10, 0, 2, 2}, 4);
	return buf;
}

static void send_buf(struct vdrv *d, uint64_t gpa, uint32_t len)
{
	struct vdrv_buf b = {gpa, len, false};

	vdrv_post(d, TXQ, &b, 1);
}

static uint64_t post_rx(struct vdrv *d, uint32_t len)
{
	uint64_t buf = vdrv_alloc(d, len, 8);
	struct vdrv_buf b = {buf, len, true};

	vdrv_post(d, RXQ, &b, 1);
	return buf;
}

/* The frame in a receive buffer is slirp's ARP reply for 10.0.2.2 to `mac`. */
static bool is_arp_reply(struct vdrv *d, uint64_t buf, const uint8_t *mac)
{
	const uint8_t *p = vdrv_host(d, buf), *f = p + HDR;

	return p[0] == 0 && p[1] == 0 && p[10] == 1 && p[11] == 0 && /* num_buffers 1 */
	       memcmp(f, mac, 6) == 0 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 &&
	       memcmp(f + 28, (const uint8_t[]){10, 0, 2, 2}, 4) == 0;
}

TEST(test_virtio_net_identifies_with_mac_mtu_and_link_up)
{
	struct vdrv d;
	uint64_t f;

	REQUIRE(net_setup(&d, NULL));
	CHECK_U64(1, vdrv_rd(&d, VDRV_DEVICE_ID));
	f = vdrv_device_features(&d);
	/* MTU, MAC, STATUS, CTRL_VQ, CTRL_RX, CTRL_MAC_ADDR; no CSUM, GUEST_CSUM (offload=off) */
	CHECK_U64((1ull << 3) | (1ull << 5) | (1ull << 16) | (1ull << 17) | (1ull << 18) |
		      (1ull << 23),
		  f & 0xffffffu);
	CHECK_U64(0, f & ((1ull << 11) | (1ull << 15))); /* no TSO, no MRG_RXBUF */
	for (int i = 0; i < 6; i++)
		CHECK_U64(default_mac[i], vdrv_rd_width(&d, VDRV_CONFIG + i, 1));
	CHECK_U64(1, vdrv_rd_width(&d, VDRV_CONFIG + 6, 2));	 /* LINK_UP */
	CHECK_U64(1, vdrv_rd_width(&d, VDRV_CONFIG + 8, 2));	 /* one queue pair */
	CHECK_U64(1500, vdrv_rd_width(&d, VDRV_CONFIG + 10, 2)); /* mtu */
	vdrv_teardown(&d);
}

TEST(test_virtio_net_takes_mac_and_mtu_from_its_options)
{
	struct vdrv d;

	REQUIRE(net_setup(&d, "user,mac=02:aB:00:00:00:07,mtu=9000"));
	CHECK_U64(0x02, vdrv_rd_width(&d, VDRV_CONFIG + 0, 1));
	CHECK_U64(0xab, vdrv_rd_width(&d, VDRV_CONFIG + 1, 1));
	CHECK_U64(0x07, vdrv_rd_width(&d, VDRV_CONFIG + 5, 1));
	CHECK_U64(9000, vdrv_rd_width(&d, VDRV_CONFIG + 10, 2));
	vdrv_teardown(&d);
}

TEST(test_virtio_net_option_errors_name_the_option)
{
	struct vdrv d;

	CHECK_INT(-AXVM_EINVAL,
		  vdrv_setup(&d, &axvm_virtio_net_class, "user,mac=01:00:00:00:00:01", NULL));
	CHECK_STR("-d mac=01:00:00:00:00:01: expected six hex bytes like 52:54:00:12:34:56, not "
		  "multicast",
		  d.err);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_net_class, "mtu=60", NULL));
	CHECK_STR("-d mtu=60: expected 68 to 9000", d.err);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_net_class, "vde", NULL));
	CHECK_STR("-d unknown network backend \"vde\" (want user or tap)", d.err);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_net_class, "user,smb=/tmp", NULL));
	CHECK_STR("-d user networking: unknown option \"smb=/tmp\" (want hostfwd=..., "
		  "restrict=on|off, mac=..., mtu=...)",
		  d.err);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL,
		  vdrv_setup(&d, &axvm_virtio_net_class, "user,hostfwd=tcp:127.0.0.1:80", NULL));
	CHECK_STR("-d hostfwd=tcp:127.0.0.1:80: expected "
		  "[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (ports 1-65535, IPv4 "
		  "addresses)",
		  d.err);
	vdrv_teardown(&d);
}

TEST(test_virtio_net_arp_reaches_slirp_and_its_reply_the_guest)
{
	struct vdrv d;
	uint64_t rx;
	uint32_t len;

	REQUIRE(net_setup(&d, "user"));
	rx = post_rx(&d, 2048);
	vdrv_kick(&d, RXQ);
	send_buf(&d, arp_request(&d, default_mac), HDR + ARP_LEN);
	vdrv_kick(&d, TXQ);
	REQUIRE(vdrv_wait_used(&d, TXQ, 1));
	vdrv_take_used(&d, TXQ, &len);
	CHECK_INT(0, len);
	REQUIRE(vdrv_wait_used(&d, RXQ, 1));
	vdrv_take_used(&d, RXQ, &len);
	CHECK_INT(HDR + ARP_REPLY_LEN, len);
	CHECK(is_arp_reply(&d, rx, default_mac));
	CHECK(d.irq_level == 1);
	vdrv_teardown(&d);
}

/* Frames before any receive buffer wait in the device (bounded), then arrive in order. */
TEST(test_virtio_net_frames_wait_for_receive_buffers)
{
	struct vdrv d;
	uint64_t rx;
	uint32_t len;

	REQUIRE(net_setup(&d, NULL));
	send_buf(&d, arp_request(&d, default_mac), HDR + ARP_LEN);
	vdrv_kick(&d, TXQ);
	REQUIRE(vdrv_wait_used(&d, TXQ, 1));
	vdrv_run_idle(&d);
	rx = post_rx(&d, 2048);
	vdrv_kick(&d, RXQ);
	REQUIRE(vdrv_wait_used(&d, RXQ, 1));
	vdrv_take_used(&d, RXQ, &len);
	CHECK_INT(HDR + ARP_REPLY_LEN, len);
	CHECK(is_arp_reply(&d, rx, default_mac));
	vdrv_teardown(&d);
}

/* Short, oversized and offload-asking frames are dropped; the link keeps working. */
TEST(test_virtio_net_drops_malformed_frames_and_keeps_the_link)
{
	struct vdrv d;
	uint64_t rx, big, bad;
	uint32_t len;

	REQUIRE(net_setup(&d, NULL));
	big = vdrv_alloc(&d, HDR + 70000, 8);
	memset(vdrv_host(&d, big), 0, HDR + 70000);
	send_buf(&d, big, 5);		/* not even a header */
	send_buf(&d, big, HDR + 10);	/* no Ethernet header */
	send_buf(&d, big, HDR + 70000); /* larger than any frame */
	bad = arp_request(&d, default_mac);
	((uint8_t *)vdrv_host(&d, bad))[1] = 1; /* gso_type TCPV4, not negotiated */
	send_buf(&d, bad, HDR + ARP_LEN);
	bad = arp_request(&d, default_mac);
	((uint8_t *)vdrv_host(&d, bad))[0] = 1; /* NEEDS_CSUM, CSUM not negotiated */
	send_buf(&d, bad, HDR + ARP_LEN);
	vdrv_kick(&d, TXQ);
	REQUIRE(vdrv_wait_used(&d, TXQ, 5));
	for (int i = 0; i < 5; i++) {
		vdrv_take_used(&d, TXQ, &len);
		CHECK_INT(0, len);
	}
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	vdrv_run_idle(&d);
	rx = post_rx(&d, 2048);
	vdrv_kick(&d, RXQ);
	vdrv_run_idle(&d);
	CHECK_INT(0, vdrv_used_idx(&d, RXQ)); /* nothing reached slirp, nothing came back */
	send_buf(&d, arp_request(&d, default_mac), HDR + ARP_LEN);
	vdrv_kick(&d, TXQ);
	REQUIRE(vdrv_wait_used(&d, RXQ, 1));
	vdrv_take_used(&d, RXQ, &len);
	CHECK(is_arp_reply(&d, rx, default_mac));
	vdrv_teardown(&d);
}

/* A receive buffer too small for the frame is given back empty, and the next one is used. */
TEST(test_virtio_net_gives_back_a_too_small_receive_buffer)
{
	struct vdrv d;
	uint64_t rx;
	uint32_t len;

	REQUIRE(net_setup(&d, NULL));
	post_rx(&d, HDR + 20);
	rx = post_rx(&d, 2048);
	vdrv_kick(&d, RXQ);
	send_buf(&d, arp_request(&d, default_mac), HDR + ARP_LEN);
	vdrv_kick(&d, TXQ);
	REQUIRE(vdrv_wait_used(&d, RXQ, 1));
	vdrv_take_used(&d, RXQ, &len);
	CHECK_INT(0, len);
	send_buf(&d, arp_request(&d, default_mac), HDR + ARP_LEN);
	vdrv_kick(&d, TXQ);
	REQUIRE(vdrv_wait_used(&d, RXQ, 1));
	vdrv_take_used(&d, RXQ, &len);
	CHECK_INT(HDR + ARP_REPLY_LEN, len);
	CHECK(is_arp_reply(&d, rx, default_mac));
	vdrv_teardown(&d);
}

/* A descriptor loop on the transmit queue: only this device needs a reset. */
TEST(test_virtio_net_descriptor_loop_needs_reset)
{
	struct vdrv d;
	uint64_t buf;

	REQUIRE(net_setup(&d, NULL));
	buf = arp_request(&d, default_mac);
	vdrv_set_desc(&d, TXQ, 0, buf, HDR + ARP_LEN, VIRTQ_DESC_F_NEXT, 1);
	vdrv_set_desc(&d, TXQ, 1, buf, HDR + ARP_LEN, VIRTQ_DESC_F_NEXT, 0);
	vdrv_publish(&d, TXQ, 0);
	vdrv_kick(&d, TXQ);
	vdrv_run_idle(&d);
	CHECK_U64(VIRTIO_STATUS_DEVICE_NEEDS_RESET,
		  vdrv_rd(&d, VDRV_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	CHECK_INT(0, vdrv_used_idx(&d, TXQ));
	/* A reset and a new setup bring the link back. */
	REQUIRE(vdrv_init(&d, 0, 3, 256));
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	vdrv_teardown(&d);
}

/*
 * 1000 requests while the guest posts no receive buffer: the replies that
 * wait are bounded (RXQ_LIMIT frames), the rest are dropped.
 */
TEST(test_virtio_net_replies_without_buffers_stay_bounded)
{
	struct vdrv d;
	uint64_t req;
	uint16_t got = 0;

	REQUIRE(net_setup(&d, NULL));
	req = arp_request(&d, default_mac);
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 200; i++)
			send_buf(&d, req, HDR + ARP_LEN);
		vdrv_kick(&d, TXQ);
		REQUIRE(vdrv_wait_used(&d, TXQ, 200));
		d.q[TXQ].used_seen = vdrv_used_idx(&d, TXQ);
	}
	vdrv_run_idle(&d);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 200; i++)
			post_rx(&d, 128);
		vdrv_kick(&d, RXQ);
		vdrv_run_idle(&d);
		got = (uint16_t)(vdrv_used_idx(&d, RXQ) - d.q[RXQ].used_seen);
		d.q[RXQ].used_seen = vdrv_used_idx(&d, RXQ);
		if (round == 0)
			CHECK_INT(200, got);
		else
			CHECK_INT(RXQ_LIMIT - 200, got);
	}
	vdrv_teardown(&d);
}

static uint8_t ctrl(struct vdrv *d, const uint8_t *cmd, uint32_t len)
{
	uint64_t out = vdrv_alloc(d, len, 8), ack = vdrv_alloc(d, 1, 8);
	struct vdrv_buf b[2] = {{out, len, false}, {ack, 1, true}};
	uint32_t used;

	memcpy(vdrv_host(d, out), cmd, len);
	*(uint8_t *)vdrv_host(d, ack) = 0xee;
	vdrv_post(d, CTRLQ, b, 2);
	vdrv_kick(d, CTRLQ);
	if (!vdrv_wait_used(d, CTRLQ, 1))
		return 0xff;
	vdrv_take_used(d, CTRLQ, &used);
	return used == 1 ? *(uint8_t *)vdrv_host(d, ack) : 0xfe;
}

TEST(test_virtio_net_control_queue_acks_what_it_knows)
{
	struct vdrv d;

	REQUIRE(net_setup(&d, NULL));
	CHECK_INT(0, ctrl(&d, (const uint8_t[]){0, 0, 1}, 3));		      /* RX PROMISC on */
	CHECK_INT(0, ctrl(&d, (const uint8_t[]){0, 1, 0}, 3));		      /* RX ALLMULTI off */
	CHECK_INT(1, ctrl(&d, (const uint8_t[]){9, 0, 0}, 3));		      /* unknown class */
	CHECK_INT(0, ctrl(&d, (const uint8_t[]){1, 1, 2, 0, 0, 0, 0, 9}, 8)); /* MAC ADDR_SET */
	CHECK_U64(0x02, vdrv_rd_width(&d, VDRV_CONFIG + 0, 1));
	CHECK_U64(0x09, vdrv_rd_width(&d, VDRV_CONFIG + 5, 1));
	vdrv_teardown(&d);
}

/* Two instances: each its own default MAC (index), each its own slirp. */
TEST(test_virtio_net_second_instance_gets_the_next_mac)
{
	struct vdrv d;
	struct axvm_devclass_ctx ctx = {0};
	void *state = NULL;

	REQUIRE(net_setup(&d, NULL));
	ctx.base = VDRV_BASE + 0x1000;
	ctx.size = AXVM_VIRTIO_MMIO_SIZE;
	ctx.as = d.as;
	ctx.events = d.loop;
	ctx.index = 1;
	REQUIRE(axvm_virtio_net_class.create(&ctx, &state) == 0);
	{
		uint64_t v = 0;

		axvm_virtio_net_class.ops->read(state, VDRV_CONFIG + 5, 1, &v);
		CHECK_U64(0x57, v);
	}
	axvm_virtio_net_class.destroy(state);
	vdrv_teardown(&d);
}

TEST(test_virtio_net_offload_on_offers_the_checksum_features)
{
	struct vdrv d;

	REQUIRE(net_setup(&d, "user,offload=on"));
	CHECK_U64(3, vdrv_device_features(&d) & 3);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_net_class, "offload=maybe", NULL));
	CHECK_STR("-d offload=maybe: expected on or off", d.err);
	vdrv_teardown(&d);
}

/* GUEST_CSUM: slirp's frames are marked DATA_VALID, so the guest skips verifying them. */
TEST(test_virtio_net_marks_slirp_frames_data_valid_with_guest_csum)
{
	struct vdrv d;
	uint64_t rx;
	uint32_t len;

	REQUIRE(vdrv_setup(&d, &axvm_virtio_net_class, "offload=on", NULL) == 0);
	REQUIRE(vdrv_init(&d, 1ull << 1, 3, 256));
	rx = post_rx(&d, 2048);
	vdrv_kick(&d, RXQ);
	send_buf(&d, arp_request(&d, default_mac), HDR + ARP_LEN);
	vdrv_kick(&d, TXQ);
	REQUIRE(vdrv_wait_used(&d, RXQ, 1));
	vdrv_take_used(&d, RXQ, &len);
	CHECK_INT(HDR + ARP_REPLY_LEN, len);
	CHECK_INT(2, ((const uint8_t *)vdrv_host(&d, rx))[0]); /* VIRTIO_NET_HDR_F_DATA_VALID */
	vdrv_teardown(&d);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * CSUM: a UDP datagram to 10.0.2.2 (the host's loopback) with only the
 * pseudo-header's sum in its checksum field (NEEDS_CSUM, as Linux sends
 * it) reaches a host socket: the device completed the checksum, which
 * slirp verifies. A checksum start beyond the frame drops it.
 */
TEST(test_virtio_net_completes_a_partial_checksum)
{
	static const char payload[] = "checksummed by the device";
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	struct vdrv d;
	uint16_t ulen = (uint16_t)(8 + sizeof(payload)), port, c;
	uint8_t *p, *f, got[64];
	uint64_t buf;
	ssize_t n = -1;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	REQUIRE(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	REQUIRE(getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
	port = ntohs(a.sin_port);
	REQUIRE(vdrv_setup(&d, &axvm_virtio_net_class, "offload=on", NULL) == 0);
	REQUIRE(vdrv_init(&d, 1ull << 0, 3, 256));
	buf = vdrv_alloc(&d, HDR + 14 + 20 + ulen, 8);
	p = vdrv_host(&d, buf);
	memset(p, 0, HDR + 14 + 20 + ulen);
	p[0] = 1;	     /* NEEDS_CSUM */
	p[6] = 34, p[8] = 6; /* csum_start 34 (the UDP header), csum_offset 6 */
	f = p + HDR;
	memcpy(f, (const uint8_t[]){0x52, 0x55, 10, 0, 2, 2}, 6);
	memcpy(f + 6, default_mac, 6);
	f[12] = 0x08; /* IPv4 */
	f[14] = 0x45, f[16] = (uint8_t)((20 + ulen) >> 8), f[17] = (uint8_t)(20 + ulen);
	f[22] = 64, f[23] = 17; /* TTL, UDP */
	memcpy(f + 26, (const uint8_t[]){10, 0, 2, 15, 10, 0, 2, 2}, 8);
	c = (uint16_t)~fold(sum16(f + 14, 20, 0));
	f[24] = (uint8_t)(c >> 8), f[25] = (uint8_t)c;
	f[34] = 0x13, f[35] = 0x88; /* source port 5000 */
	f[36] = (uint8_t)(port >> 8), f[37] = (uint8_t)port;
	f[38] = (uint8_t)(ulen >> 8), f[39] = (uint8_t)ulen;
	memcpy(f + 42, payload, sizeof(payload));
	c = fold(sum16(f + 26, 8, 17u + ulen)); /* the pseudo header's sum, not complemented */
	f[40] = (uint8_t)(c >> 8), f[41] = (uint8_t)c;
	send_buf(&d, buf, HDR + 14 + 20 + ulen);
	vdrv_kick(&d, TXQ);
	for (int i = 0; i < 100 && n < 0; i++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		axvm_event_loop_run_once(d.loop, 10);
		if (poll(&pfd, 1, 0) == 1)
			n = recv(fd, got, sizeof(got), 0);
	}
	CHECK_INT((int)sizeof(payload), (int)n);
	CHECK(n == (ssize_t)sizeof(payload) && memcmp(got, payload, sizeof(payload)) == 0);
	p[6] = 0xff, p[7] = 0xff;
	send_buf(&d, buf, HDR + 14 + 20 + ulen);
	vdrv_kick(&d, TXQ);
	REQUIRE(vdrv_wait_used(&d, TXQ, 2));
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	vdrv_teardown(&d);
	close(fd);
}
