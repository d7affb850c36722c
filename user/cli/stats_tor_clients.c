// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Tor used from this host in 'stats', 'top' and 'status': the processes
 * the Tor client sensor counted (its pinned tor_clients map), most
 * connections first, and the size of its relay set. */
#include <bpf/bpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "common/timeutil.h"
#include "kernel/pins.h"
#include "tw_tor_client.h"

static int by_connections(const void *a, const void *b)
{
	const struct tw_tor_client_row *x = a, *y = b;

	return x->count.connections < y->count.connections ? 1 :
	       x->count.connections > y->count.connections ? -1 : 0;
}

int tw_read_tor_clients(const char *root, struct tw_tor_client_row **rows, size_t *n)
{
	struct tw_tor_client_key key, next;
	int fd = tw_pin_open_ro(root, TW_PIN_TOR_CLIENTS);
	void *prev = NULL;
	size_t cap = 0;

	*rows = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (*n == cap) {
			struct tw_tor_client_row *r = realloc(*rows, (cap = cap ? cap * 2 : 64) * sizeof(*r));

			if (!r)
				break;
			*rows = r;
		}
		(*rows)[*n].key = key;
		if (!bpf_map_lookup_elem(fd, &key, &(*rows)[*n].count))
			(*n)++;
	}
	close(fd);
	if (*n)
		qsort(*rows, *n, sizeof(**rows), by_connections);
	return 0;
}

static long count_keys(const char *root, const char *name, size_t key_size)
{
	char cur[sizeof(struct tw_tor_client_key)], next[sizeof(struct tw_tor_client_key)];
	int fd = tw_pin_open_ro(root, name);
	void *prev = NULL;
	long n = 0;

	if (fd < 0 || key_size > sizeof(cur))
		return -1;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(cur, next, key_size);
		prev = cur;
		n++;
	}
	close(fd);
	return n;
}

int tw_tor_client_summary(const char *root, long *relays, long *processes)
{
	*relays = count_keys(root, TW_PIN_RELAYS, sizeof(struct tw_relay_key));
	*processes = count_keys(root, TW_PIN_TOR_CLIENTS, sizeof(struct tw_tor_client_key));
	return *relays < 0 ? -ENOENT : 0;
}

static const char *rule_of(const struct tw_tor_client_key *k)
{
	return k->kind == TW_TOR_PROXY ? "tor_proxy_use" : "tor_client_connection";
}

struct json_object *tw_stats_tor_clients_json(const char *root, long top)
{
	struct json_object *arr;
	struct tw_tor_client_row *rows;
	size_t n;

	if (tw_read_tor_clients(root, &rows, &n))
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < n && (top <= 0 || (long)i < top); i++) {
		struct json_object *o = json_object_new_object();
		char when[32];

		tw_format_iso8601((int64_t)rows[i].count.last_seen, when, sizeof(when));
		json_object_object_add(o, "name", json_object_new_string(rows[i].key.comm));
		json_object_object_add(o, "executable", json_object_new_string(rows[i].key.exe));
		json_object_object_add(o, "rule", json_object_new_string(rule_of(&rows[i].key)));
		json_object_object_add(o, "allowed", json_object_new_boolean(rows[i].key.allowed));
		json_object_object_add(o, "connections",
				       json_object_new_int64((int64_t)rows[i].count.connections));
		json_object_object_add(o, "alerts", json_object_new_int64((int64_t)rows[i].count.alerts));
		json_object_object_add(o, "last_pid", json_object_new_int64(rows[i].count.last_pid));
		json_object_object_add(o, "uid", json_object_new_int64(rows[i].count.uid));
		json_object_object_add(o, "last_seen", json_object_new_string(when));
		json_object_array_add(arr, o);
	}
	free(rows);
	return arr;
}

void tw_stats_tor_clients_text(const char *root, long top)
{
	struct tw_tor_client_row *rows;
	size_t n;

	if (tw_read_tor_clients(root, &rows, &n))
		return;
	printf("\nTor used from this host, by process (%zu):\n", n);
	if (n)
		printf("  %-16s %-22s %-8s %11s %7s  %s\n", "process", "rule", "allowed", "connections",
		       "pid", "executable");
	for (size_t i = 0; i < n && (top <= 0 || (long)i < top); i++)
		printf("  %-16s %-22s %-8s %11llu %7u  %s\n", rows[i].key.comm, rule_of(&rows[i].key),
		       rows[i].key.allowed ? "yes" : "no",
		       (unsigned long long)rows[i].count.connections, rows[i].count.last_pid,
		       rows[i].key.exe[0] ? rows[i].key.exe : "(gone before it was read)");
	free(rows);
}
