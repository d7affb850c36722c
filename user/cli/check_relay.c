// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The relay part of 'torwatch check ADDR[:PORT]': the Tor client sensor's
 * pinned relays map, read as its hooks read it (the address and port, or
 * the address listed alone for any port). */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "common/addr.h"
#include "kernel/pins.h"
#include "tw_tor_client.h"

static int port_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int tw_check_relay(const char *root, const struct tw_prefix *a, int port,
		   struct tw_relay_answer *out)
{
	struct tw_relay_key want = {}, cur, next;
	int fd = tw_pin_open_ro(root, TW_PIN_RELAYS);
	void *prev = NULL;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -errno;
	tw_prefix_to_in6(a, want.addr.addr);
	/* Every entry of the address: at most a few, in a map of thousands. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		cur = next;
		prev = &cur;
		if (memcmp(cur.addr.addr, want.addr.addr, sizeof(want.addr.addr)))
			continue;
		if (!cur.port)
			out->any_port = true;
		else if (out->n_ports < TW_CHECK_MAX_PORTS)
			out->ports[out->n_ports++] = cur.port;
	}
	close(fd);
	qsort(out->ports, out->n_ports, sizeof(out->ports[0]), port_cmp);
	out->listed = out->any_port;
	for (size_t i = 0; i < out->n_ports && !out->listed; i++)
		out->listed = port <= 0 || out->ports[i] == port;
	return 0;
}
