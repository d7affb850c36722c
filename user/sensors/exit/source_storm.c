// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/exit/source_storm.h"

#include <bpf/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alerts/ecs.h"
#include "alerts/rules.h"
#include "common/addr.h"
#include "common/hash.h"
#include "common/timeutil.h"

/* Sources remembered for the top list; past this many in one minute they
 * are counted, not kept (and not looked up: the summary's reads of the
 * kernel's counters stay bounded, about 2 ms on the event loop). */
#define KEPT_MAX 4096

struct folded_source {
	struct tw_in6 addr;
	uint32_t kinds;		/* 1 << TW_EV_TOR_TRAFFIC | 1 << TW_EV_TOR_BLOCKED */
	uint8_t family;
};

struct tw_source_storm {
	uint32_t limit;
	uint64_t window_ns;
	uint64_t window_start;	/* CLOCK_MONOTONIC; 0: none open */
	uint32_t alerted;	/* per-source alerts out in this window */
	uint64_t folded, sources;	/* in this window */
	struct folded_source *kept;	/* KEPT_MAX */
	size_t n_kept;
	/* Open addressing over kept, for "one more alert of a source already
	 * folded": a source counts once. Slot value: index + 1, 0 free. */
	uint32_t *slot;		/* 2 * KEPT_MAX */
};

#define SLOTS (2 * KEPT_MAX)

struct tw_source_storm *tw_storm_new(uint32_t limit, uint64_t window_ns)
{
	struct tw_source_storm *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->kept = calloc(KEPT_MAX, sizeof(*s->kept));
	s->slot = calloc(SLOTS, sizeof(*s->slot));
	if (!s->kept || !s->slot) {
		tw_storm_free(s);
		return NULL;
	}
	tw_storm_set_limit(s, limit, window_ns);
	return s;
}

void tw_storm_free(struct tw_source_storm *s)
{
	if (!s)
		return;
	free(s->kept);
	free(s->slot);
	free(s);
}

void tw_storm_set_limit(struct tw_source_storm *s, uint32_t limit, uint64_t window_ns)
{
	s->limit = limit;
	s->window_ns = window_ns ? window_ns : 60 * TW_NS_PER_SEC;
}

/* The source's place among the kept, added when there is room: true when it
 * was new (or could not be kept: then each alert counts it again). */
static bool keep(struct tw_source_storm *s, const struct tw_event *ev)
{
	uint32_t h = (uint32_t)(tw_fnv1a(TW_FNV1A_INIT, ev->saddr.addr, 16) % SLOTS);

	for (uint32_t probe = 0; probe < SLOTS; probe++, h = (h + 1) % SLOTS) {
		struct folded_source *f;

		if (!s->slot[h]) {
			if (s->n_kept == KEPT_MAX)
				return true;
			f = &s->kept[s->n_kept];
			*f = (struct folded_source){ .addr = ev->saddr, .family = ev->family };
			f->kinds = 1u << ev->kind;
			s->slot[h] = (uint32_t)++s->n_kept;
			return true;
		}
		f = &s->kept[s->slot[h] - 1];
		if (!memcmp(&f->addr, &ev->saddr, sizeof(f->addr))) {
			f->kinds |= 1u << ev->kind;
			return false;
		}
	}
	return true;
}

static void open_window(struct tw_source_storm *s, uint64_t now_ns)
{
	s->window_start = now_ns;
	s->alerted = 0;
	s->folded = s->sources = 0;
	s->n_kept = 0;
	memset(s->slot, 0, SLOTS * sizeof(*s->slot));
}

bool tw_storm_folds(struct tw_source_storm *s, const struct tw_event *ev, uint64_t now_ns)
{
	if (!s->limit || (ev->kind != TW_EV_TOR_TRAFFIC && ev->kind != TW_EV_TOR_BLOCKED))
		return false;
	/* A window that folded alerts stays open until its summary is out
	 * (tw_storm_summary, the next tick); one that folded none ends here. */
	if ((!s->window_start || now_ns - s->window_start >= s->window_ns) && !s->folded)
		open_window(s, now_ns);
	if (s->alerted < s->limit) {
		s->alerted++;
		return false;
	}
	s->folded++;
	s->sources += keep(s, ev);
	return true;
}

struct counted {
	const struct folded_source *src;
	struct tw_src_stats st;
};

/* The kernel's counters of a source: its exact entry, else the one it got
 * when it matched a prefix. */
static bool read_counters(const struct tw_storm_maps *m, const struct folded_source *f,
			  struct tw_src_stats *st)
{
	if (f->family == AF_INET ? tw_exit_table_read(&m->v4, &f->addr.addr[12], st) :
				   tw_exit_table_read(&m->v6, f->addr.addr, st))
		return true;
	return !bpf_map_lookup_elem(m->src_stats, &f->addr, st);
}

static int by_packets(const void *a, const void *b)
{
	const struct counted *x = a, *y = b;

	return x->st.packets < y->st.packets ? 1 : x->st.packets > y->st.packets ? -1 : 0;
}

static struct json_object *top_json(struct counted *c, size_t n)
{
	struct json_object *top = json_object_new_array();
	char ip[TW_ADDR_STRLEN];

	qsort(c, n, sizeof(*c), by_packets);
	for (size_t i = 0; i < n && i < TW_STORM_TOP; i++) {
		struct json_object *o = json_object_new_object();
		struct tw_prefix p;

		tw_prefix_from_in6(c[i].src->addr.addr, &p);
		tw_prefix_format(&p, ip, sizeof(ip));
		json_object_object_add(o, "ip", json_object_new_string(ip));
		json_object_object_add(o, "packets", json_object_new_int64((int64_t)c[i].st.packets));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)c[i].st.bytes));
		json_object_object_add(o, "dropped", json_object_new_int64((int64_t)c[i].st.dropped));
		json_object_array_add(top, o);
	}
	return top;
}

struct json_object *tw_storm_summary(struct tw_source_storm *s, uint64_t now_ns,
				     const struct tw_storm_maps *maps)
{
	uint64_t packets = 0, dropped = 0, traffic = 0, blocked = 0;
	struct counted *c;
	struct json_object *a;
	size_t n = 0;
	char msg[200], t0[40], t1[40];

	if (!s->folded || now_ns - s->window_start < s->window_ns)
		return NULL;
	for (size_t i = 0; i < s->n_kept; i++) {
		traffic += !!(s->kept[i].kinds & 1u << TW_EV_TOR_TRAFFIC);
		blocked += !!(s->kept[i].kinds & 1u << TW_EV_TOR_BLOCKED);
	}
	c = calloc(s->n_kept ? s->n_kept : 1, sizeof(*c));
	for (size_t i = 0; c && i < s->n_kept; i++)
		if (read_counters(maps, &s->kept[i], &c[n].st)) {
			c[n].src = &s->kept[i];
			packets += c[n].st.packets;
			dropped += c[n].st.dropped;
			n++;
		}
	snprintf(msg, sizeof(msg),
		 "Tor exit traffic storm: %llu per-source alerts from %llu sources folded in %llu s",
		 (unsigned long long)s->folded, (unsigned long long)s->sources,
		 (unsigned long long)(s->window_ns / TW_NS_PER_SEC));
	a = tw_alert_new(&tw_rule_tor_source_storm, msg, tw_mono_to_unix_ns(s->window_start));
	tw_json_set(a, "event.count", json_object_new_int64((int64_t)s->folded));
	tw_format_iso8601_ns(tw_mono_to_unix_ns(s->window_start), t0, sizeof(t0));
	tw_format_iso8601_ns(tw_mono_to_unix_ns(s->window_start + s->window_ns), t1,
			     sizeof(t1));
	tw_json_set(a, "event.start", json_object_new_string(t0));
	tw_json_set(a, "event.end", json_object_new_string(t1));
	tw_json_set(a, "torwatch.storm.limit", json_object_new_int64(s->limit));
	tw_json_set(a, "torwatch.storm.alerted", json_object_new_int64(s->alerted));
	tw_json_set(a, "torwatch.storm.folded", json_object_new_int64((int64_t)s->folded));
	tw_json_set(a, "torwatch.storm.sources", json_object_new_int64((int64_t)s->sources));
	/* Of the sources kept (the first KEPT_MAX): how many sent traffic,
	 * how many were blocked, and the kernel's counters for them as they
	 * stand now (since each was first seen). */
	tw_json_set(a, "torwatch.storm.traffic_sources", json_object_new_int64((int64_t)traffic));
	tw_json_set(a, "torwatch.storm.blocked_sources", json_object_new_int64((int64_t)blocked));
	tw_json_set(a, "torwatch.storm.sources_read", json_object_new_int64((int64_t)n));
	tw_json_set(a, "torwatch.storm.packets", json_object_new_int64((int64_t)packets));
	tw_json_set(a, "torwatch.storm.dropped", json_object_new_int64((int64_t)dropped));
	tw_json_set(a, "torwatch.storm.top_sources", top_json(c, n));
	free(c);
	open_window(s, 0);	/* the next alert opens the next window */
	return a;
}
