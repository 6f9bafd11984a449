// SPDX-License-Identifier: MIT
/*
 * axvm-netflood IFACE COUNT: send COUNT raw Ethernet frames of 1514 bytes
 * out of IFACE as fast as the kernel takes them (an AF_PACKET socket, so
 * nothing but the driver paces it), to a broadcast address with an
 * experimental EtherType (0x88b5) that no host stack answers. Errors such
 * as a full queue (ENOBUFS) are counted, not fatal. Prints
 * "sent=N errors=N". tests/integration/net.sh cross-compiles it
 * (riscv64-linux-gnu-gcc -static) into the Debian guest's disk for its
 * flood check: the VMM's memory must stay bounded however fast this goes.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_ll to = {0};
	unsigned char frame[1514];
	long count, sent = 0, errors = 0;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IFACE COUNT\n", argv[0]);
		return 2;
	}
	count = atol(argv[2]);
	fd = socket(AF_PACKET, SOCK_RAW, htons(0x88b5));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	to.sll_family = AF_PACKET;
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	to.sll_halen = 6;
	memset(to.sll_addr, 0xff, 6);
	if (!to.sll_ifindex) {
		perror(argv[1]);
		return 1;
	}
	memset(frame, 0xa5, sizeof(frame));
	memset(frame, 0xff, 6);
	memset(frame + 6, 0x02, 6);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	for (long i = 0; i < count; i++) {
		frame[14] = (unsigned char)i;
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			errors++;
		else
			sent++;
	}
	printf("sent=%ld errors=%ld\n", sent, errors);
	return 0;
}
