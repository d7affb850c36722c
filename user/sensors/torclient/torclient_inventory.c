// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/torclient/torclient_inventory.h"

#include <ctype.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/procinfo.h"
#include "common/timeutil.h"

#define MAX_CONNS 4096	/* connections of one namespace looked at */

struct conn {
	unsigned long inode;
	struct tw_in6 raddr;
	uint16_t rport;
};

struct netns_conns {
	ino_t netns;
	struct conn c[MAX_CONNS];
	size_t n;
};

/* One /proc/net/tcp{,6} line of a connection that is open or opening:
 * "sl local rem st ... inode"; addresses as the kernel prints them. */
static bool parse_tcp_line(const char *line, bool v6, struct conn *c)
{
	char rem[64];
	unsigned st, port;
	unsigned long inode;

	if (sscanf(line, " %*s %*s %63[0-9A-Fa-f:] %x %*s %*s %*s %*s %*s %lu", rem, &st, &inode) != 3 ||
	    (st != 1 && st != 2) || !inode)	/* ESTABLISHED, SYN_SENT */
		return false;
	char *colon = strchr(rem, ':');

	if (!colon || sscanf(colon + 1, "%x", &port) != 1)
		return false;
	*colon = '\0';
	memset(c, 0, sizeof(*c));
	if (!v6) {
		uint32_t a = (uint32_t)strtoul(rem, NULL, 16);	/* host order of a network word */

		c->raddr.addr[10] = c->raddr.addr[11] = 0xff;
		memcpy(&c->raddr.addr[12], &a, 4);
	} else {
		if (strlen(rem) != 32)
			return false;
		for (int w = 0; w < 4; w++) {
			char word[9];
			uint32_t v;

			memcpy(word, rem + w * 8, 8);
			word[8] = '\0';
			v = (uint32_t)strtoul(word, NULL, 16);
			memcpy(&c->raddr.addr[w * 4], &v, 4);
		}
	}
	c->rport = (uint16_t)port;
	c->inode = inode;
	return true;
}

static void read_conns(int pid, struct netns_conns *nc)
{
	static const char *const files[2] = { "tcp", "tcp6" };

	nc->n = 0;
	for (int v6 = 0; v6 < 2; v6++) {
		char path[64], line[512];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, files[v6]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (nc->n < MAX_CONNS && fgets(line, sizeof(line), f))
			if (parse_tcp_line(line, v6, &nc->c[nc->n]))
				nc->n++;
		fclose(f);
	}
}

static bool is_loopback(const struct tw_in6 *a)
{
	static const uint8_t v6_loop[16] = { [15] = 1 };
	const uint8_t *b = a->addr;

	if (!b[0] && !b[1] && !b[2] && !b[3] && !b[4] && !b[5] && !b[6] && !b[7] && !b[8] &&
	    !b[9] && b[10] == 0xff && b[11] == 0xff)
		return b[12] == 127;
	return !memcmp(b, v6_loop, 16);
}

struct walk {
	int pid;
	struct netns_conns *nc;
	const struct tw_relay_list *relays;
	const struct tw_port_set *proxy_ports;
	void (*fn)(const struct tw_tor_client_event *ev, void *ctx);
	void *ctx;
	int found;
};

static void fill_identity(int pid, struct tw_tor_client_event *ev)
{
	char path[64], line[256];
	FILE *f;

	ev->tgid = ev->pid = (uint32_t)pid;
	tw_proc_name(pid, ev->comm, sizeof(ev->comm));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4))
			ev->uid = (uint32_t)strtoul(line + 4, NULL, 10);
	if (f)
		fclose(f);
}

static int on_socket(unsigned long inode, void *ctx)
{
	struct walk *w = ctx;

	for (size_t i = 0; i < w->nc->n; i++) {
		const struct conn *c = &w->nc->c[i];
		struct tw_relay_key k = { .addr = c->raddr, .port = c->rport };
		struct tw_tor_client_event ev = { .ts_ns = tw_now_mono_ns(), .daddr = c->raddr,
						  .dport = c->rport, .proto = IPPROTO_TCP };
		const struct tw_relay_entry *r;

		if (c->inode != inode)
			continue;
		if (is_loopback(&c->raddr)) {
			if (!tw_port_set_has(w->proxy_ports, c->rport))
				return 0;
			ev.kind = TW_TOR_PROXY;
		} else {
			r = tw_relay_list_find(w->relays, &k);
			if (!r) {
				k.port = 0;
				r = tw_relay_list_find(w->relays, &k);
				ev.any_port = 1;
			}
			if (!r)
				return 0;
			ev.kind = TW_TOR_RELAY;
			ev.sources = r->sources;
		}
		fill_identity(w->pid, &ev);
		w->fn(&ev, w->ctx);
		w->found++;
		return 0;
	}
	return 0;
}

int tw_torclient_inventory(const struct tw_relay_list *relays, const struct tw_port_set *proxy_ports,
			   void (*fn)(const struct tw_tor_client_event *ev, void *ctx), void *ctx)
{
	struct netns_conns *nc = calloc(1, sizeof(*nc));
	struct walk w = { .nc = nc, .relays = relays, .proxy_ports = proxy_ports, .fn = fn,
			  .ctx = ctx };
	struct dirent *de;
	DIR *proc;

	if (!nc)
		return 0;
	proc = opendir("/proc");
	while (proc && (de = readdir(proc))) {
		char path[64];
		struct stat st;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		w.pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/ns/net", w.pid);
		if (stat(path, &st))
			continue;
		if (st.st_ino != nc->netns || !nc->n) {	/* processes come grouped by namespace, mostly */
			nc->netns = st.st_ino;
			read_conns(w.pid, nc);
		}
		if (nc->n)
			tw_proc_each_socket(w.pid, on_socket, &w);
	}
	if (proc)
		closedir(proc);
	free(nc);
	return w.found;
}
