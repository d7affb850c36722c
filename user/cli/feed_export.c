// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch feed export: the exit set as XDP matches it now, read from the
 * pinned maps, in the plain list format, so that one host can fetch the
 * Tor lists for a fleet and publish the merge on an internal mirror. The
 * header names the sources and dates the data ("# data-time:", which the
 * plain parser reads), so the receiving hosts judge staleness by the age of
 * the data, not by when the mirror was fetched. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "cli/cli.h"
#include "common/addr.h"
#include "common/atomic_file.h"
#include "common/timeutil.h"
#include "feeds/list_parse.h"
#include "feeds/source_state.h"
#include "torwatch.h"
#include "tw_status.h"

/* One key into the list (struct tw_feed: the parsers' growing list). */
static int push(struct tw_feed *e, int family, const void *addr, unsigned prefixlen)
{
	struct tw_prefix p = { .family = (uint8_t)family, .prefixlen = (uint8_t)prefixlen };

	memcpy(p.addr, addr, family == AF_INET ? 4 : 16);
	return tw_feed_add(e, &p);
}

static int push_exact(const uint8_t *key, size_t key_len, const struct tw_src_stats *st, void *e)
{
	return key_len == 4 ? push(e, AF_INET, key, 32) : push(e, AF_INET6, key, 128);
}

/* Every key of one prefix map (LPM trie). */
static int collect(int fd, int family, struct tw_feed *e)
{
	union {
		struct tw_lpm_v4_key p4;
		struct tw_lpm_v6_key p6;
	} key, next;
	void *prev = NULL;
	int ret = 0;

	while (!ret && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (family == AF_INET)
			ret = push(e, family, key.p4.addr, key.p4.prefixlen);
		else
			ret = push(e, family, key.p6.addr, key.p6.prefixlen);
	}
	return ret ? ret : errno == ENOENT ? 0 : -errno;
}

static int by_prefix(const void *a, const void *b)
{
	return tw_prefix_cmp(a, b);
}

static void utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void write_list(FILE *f, const char *root, const struct tw_meta *m,
		       const struct tw_source_info *src, const struct tw_feed *e)
{
	int64_t now = tw_now_unix();
	char t[32], age[32], addr[TW_ADDR_STRLEN];

	utc(now, t, sizeof(t));
	fprintf(f, "# torwatch exit set, exported %s UTC from %s by torwatch %s\n", t, root,
		TORWATCH_VERSION);
	fprintf(f, "# %u IPv4 + %u IPv6 addresses, %u IPv4 + %u IPv6 prefixes\n", m->exact_v4,
		m->exact_v6, m->prefixes_v4, m->prefixes_v6);
	for (int i = 0; i < TW_MAX_SOURCES; i++) {
		const struct tw_source_info *s = &src[i];

		if (!s->in_use || (!s->exact_v4 && !s->exact_v6 && !s->prefixes_v4 && !s->prefixes_v6))
			continue;
		utc((int64_t)s->newest_data, t, sizeof(t));
		tw_format_age(now - (int64_t)s->newest_data, age, sizeof(age));
		/* Names and URLs came from outside: one line each, whatever they hold. */
		fprintf(f, "# source %.*s (%s", (int)strcspn(s->name, "\r\n"), s->name,
			tw_source_kind_name(s->kind));
		if (s->url[0])
			fprintf(f, " %.*s", (int)strcspn(s->url, "\r\n"), s->url);
		fprintf(f, "): %u entries, data of %s UTC (%s old)\n",
			s->exact_v4 + s->exact_v6 + s->prefixes_v4 + s->prefixes_v6,
			s->newest_data ? t : "unknown", s->newest_data ? age : "?");
	}
	if (m->set_newest_data) {
		utc((int64_t)m->set_newest_data, t, sizeof(t));
		fprintf(f, "# data-time: %s\n", t);
	}
	for (size_t i = 0; i < e->n; i++) {
		tw_prefix_format(&e->entries[i], addr, sizeof(addr));
		fprintf(f, "%s\n", addr);
	}
}

int tw_feed_export(const struct tw_cli *cli, const struct tw_pinned *p, const struct tw_meta *m,
		   const struct tw_source_info *src, const char *output)
{
	struct tw_feed e = {};
	struct tw_atomic_file a;
	int ret = tw_exit_table_each(&p->exits_v4, push_exact, &e);

	if (!ret)
		ret = tw_exit_table_each(&p->exits_v6, push_exact, &e);
	if (!ret)
		ret = collect(p->exit_prefix_v4, AF_INET, &e);
	if (!ret)
		ret = collect(p->exit_prefix_v6, AF_INET6, &e);
	if (ret) {
		tw_feed_free(&e);
		return tw_cli_fail(cli, "cannot read the exit set under %s: %s", cli->pin_root,
				   strerror(-ret));
	}
	if (!e.n) {
		tw_feed_free(&e);
		return tw_cli_fail(cli, "the exit set under %s is empty: nothing to export", cli->pin_root);
	}
	qsort(e.entries, e.n, sizeof(*e.entries), by_prefix);
	if (!output || !strcmp(output, "-")) {
		write_list(stdout, cli->pin_root, m, src, &e);
		tw_feed_free(&e);
		return fflush(stdout) ? tw_cli_fail(cli, "cannot write the list: %s", strerror(errno)) : 0;
	}
	ret = tw_atomic_open(&a, output, 0644);
	if (!ret) {
		write_list(a.f, cli->pin_root, m, src, &e);
		ret = tw_atomic_commit(&a);
	}
	tw_feed_free(&e);
	if (ret)
		return tw_cli_fail(cli, "cannot write %s: %s (the file there, if any, is unchanged)",
				   output, strerror(-ret));
	return 0;
}
