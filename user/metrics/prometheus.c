// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "metrics/prometheus.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "alerts/ecs.h"
#include "alerts/rules.h"
#include "common/timeutil.h"
#include "kernel/counters.h"
#include "kernel/pin_lock.h"
#include "metrics/by_geo.h"
#include "metrics/prom_text.h"
#include "torwatch.h"
#include "tw_status.h"
#include "tw_tor_client.h"

static void counters(FILE *f, const struct tw_pinned *p)
{
	struct tw_counters c = {};
	__u32 zero = 0;
	static const struct {
		const char *class;
		int events, lost;
	} classes[] = {
		{ "xdp", TW_CNT_EVENTS, TW_CNT_EVENTS_LOST },
		{ "ssh", TW_CNT_SSH_EVENTS, TW_CNT_SSH_EVENTS_LOST },
		{ "listen", TW_CNT_LISTEN_EVENTS, TW_CNT_LISTEN_EVENTS_LOST },
		{ "session", TW_CNT_SESSION_EVENTS, TW_CNT_SESSION_EVENTS_LOST },
		{ "tor_client", TW_CNT_TOR_CLIENT_EVENTS, TW_CNT_TOR_CLIENT_EVENTS_LOST },
	};

	static const struct {
		const char *name, *help;
		int index;
	} plain[] = {
		{ "torwatch_packets_total", "Frames the XDP program saw.", TW_CNT_PACKETS },
		{ "torwatch_bytes_total", "Bytes of the frames the XDP program saw.", TW_CNT_BYTES },
		{ "torwatch_exit_packets_total", "Frames whose source is in the exit set.",
		  TW_CNT_EXIT_PACKETS },
		{ "torwatch_exit_bytes_total", "Bytes of frames from the exit set.", TW_CNT_EXIT_BYTES },
		{ "torwatch_exit_dropped_packets_total",
		  "Frames from exit nodes dropped in block mode.", TW_CNT_DROPPED },
		{ "torwatch_exit_would_drop_packets_total",
		  "Frames from exit nodes a dry-run block would have dropped.", TW_CNT_WOULD_DROP },
		{ "torwatch_exit_allowlisted_packets_total",
		  "Frames from exit-set addresses that the allowlist lets through.",
		  TW_CNT_ALLOWLISTED },
		{ "torwatch_parse_errors_total", "Frames whose headers could not be read (passed).",
		  TW_CNT_PARSE_ERRORS },
		{ "torwatch_ssh_sessions_total", "SSH sessions followed from sshd.", TW_CNT_SESSIONS },
	};

	tw_percpu_sum(p->counters, &zero, &c, sizeof(c));
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		tw_prom_one(f, plain[i].name, "counter", plain[i].help, c.c[plain[i].index]);
	tw_prom_family(f, "torwatch_kernel_events_total", "counter",
	       "Events the kernel programs reported, by class.");
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		tw_prom_sample(f, "torwatch_kernel_events_total", "class", classes[i].class,
		       c.c[classes[i].events]);
	tw_prom_family(f, "torwatch_kernel_events_lost_total", "counter",
	       "Events lost for lack of ring-buffer room, by class.");
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		tw_prom_sample(f, "torwatch_kernel_events_lost_total", "class", classes[i].class,
		       c.c[classes[i].lost]);
}

/* One labelled value of a packets/bytes pair. */
struct labelled {
	const char *value;
	uint64_t packets, bytes;
};

/* torwatch_exit_BY_packets_total and _bytes_total, one sample per row. */
static void traffic_pair(FILE *f, const char *by, const char *label, const char *help_by,
			 const struct labelled *rows, size_t n)
{
	char name[96], help[160];

	for (int bytes = 0; bytes < 2; bytes++) {
		snprintf(name, sizeof(name), "torwatch_exit_%s_%s_total", by, bytes ? "bytes" : "packets");
		snprintf(help, sizeof(help), "%s from exit nodes by %s.", bytes ? "Bytes" : "Frames",
			 help_by);
		tw_prom_family(f, name, "counter", help);
		for (size_t i = 0; i < n; i++)
			tw_prom_sample(f, name, label, rows[i].value, bytes ? rows[i].bytes : rows[i].packets);
	}
}

/* Exit traffic by IP protocol: the named ones, the rest as "other". */
static void by_protocol(FILE *f, const struct tw_pinned *p, struct tw_traffic *tcp,
			struct tw_traffic *udp)
{
	static const __u8 named[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 };
	struct tw_traffic by[256] = {};
	struct labelled rows[sizeof(named) + 1] = { [sizeof(named)] = { .value = "other" } };
	char pb[sizeof(named)][16];

	for (__u32 i = 0; i < 256; i++)
		tw_percpu_sum(p->proto_stats, &i, &by[i], sizeof(by[i]));
	*tcp = by[IPPROTO_TCP];
	*udp = by[IPPROTO_UDP];
	for (int i = 0; i < 256; i++) {
		bool is_named = false;

		for (size_t n = 0; n < sizeof(named); n++)
			is_named |= i == named[n];
		if (!is_named) {
			rows[sizeof(named)].packets += by[i].packets;
			rows[sizeof(named)].bytes += by[i].bytes;
		}
	}
	for (size_t n = 0; n < sizeof(named); n++)
		rows[n] = (struct labelled){ tw_proto_name(named[n], pb[n], sizeof(pb[n])),
					     by[named[n]].packets, by[named[n]].bytes };
	traffic_pair(f, "protocol", "protocol", "IP protocol", rows, sizeof(named) + 1);
}

static void port_traffic(const struct tw_pinned *p, __u8 proto, __u16 port, struct tw_traffic *t)
{
	memset(t, 0, sizeof(*t));
	if (port < TW_LOW_PORTS) {
		__u32 idx = tw_low_port_index(proto, port);

		tw_percpu_sum(p->low_port_stats, &idx, t, sizeof(*t));
	} else {
		struct tw_port_key k = { .port = port, .proto = proto };

		tw_percpu_sum(p->port_stats, &k, t, sizeof(*t));
	}
}

/* Exit traffic to the listed ports, the rest of TCP and UDP as port="other". */
static void by_port(FILE *f, const struct tw_pinned *p, const struct tw_port_set *ports,
		    const struct tw_traffic *tcp, const struct tw_traffic *udp)
{
	static const __u8 protos[2] = { IPPROTO_TCP, IPPROTO_UDP };
	const struct tw_traffic *total[2] = { tcp, udp };

	for (int metric = 0; metric < 2; metric++) {
		const char *name = metric ? "torwatch_exit_port_bytes_total" :
					    "torwatch_exit_port_packets_total";

		tw_prom_family(f, name, "counter", metric ?
		       "Bytes from exit nodes by destination port (listed ports; the rest as other)." :
		       "Frames from exit nodes by destination port (listed ports; the rest as other).");
		for (int t = 0; t < 2; t++) {
			uint64_t listed = 0, sum;
			char pb[16];

			for (unsigned port = 0; port < 65536; port++) {
				struct tw_traffic tr;
				uint64_t v;

				if (!tw_port_set_has(ports, (uint16_t)port))
					continue;
				port_traffic(p, protos[t], (__u16)port, &tr);
				v = metric ? tr.bytes : tr.packets;
				listed += v;
				fprintf(f, "%s{transport=\"%s\",port=\"%u\"} %llu\n", name,
					tw_proto_name(protos[t], pb, sizeof(pb)), port,
					(unsigned long long)v);
			}
			sum = metric ? total[t]->bytes : total[t]->packets;
			fprintf(f, "%s{transport=\"%s\",port=\"other\"} %llu\n", name,
				tw_proto_name(protos[t], pb, sizeof(pb)),
				(unsigned long long)(sum > listed ? sum - listed : 0));
		}
	}
}

static void exit_set(FILE *f, const struct tw_meta *m)
{
	static const char *const family_kind[4][2] = {
		{ "ipv4", "address" }, { "ipv6", "address" }, { "ipv4", "prefix" }, { "ipv6", "prefix" },
	};
	const __u32 n[4] = { m->exact_v4, m->exact_v6, m->prefixes_v4, m->prefixes_v6 };

	tw_prom_family(f, "torwatch_exit_set_entries", "gauge",
	       "Entries in the exit set by address family and kind.");
	for (int i = 0; i < 4; i++)
		fprintf(f, "torwatch_exit_set_entries{family=\"%s\",kind=\"%s\"} %u\n",
			family_kind[i][0], family_kind[i][1], n[i]);
	tw_prom_one(f, "torwatch_exit_set_loaded_timestamp_seconds", "gauge",
	    "When the exit set was last applied (Unix time).", m->set_loaded_at);
	tw_prom_family(f, "torwatch_exit_set_apply_duration_seconds", "gauge",
	       "How long the last apply of the exit set took.");
	fprintf(f, "torwatch_exit_set_apply_duration_seconds %.6f\n", (double)m->apply_usec / 1e6);
	tw_prom_one(f, "torwatch_feed_newest_data_timestamp_seconds", "gauge",
	    "The date of the newest good exit-list data (Unix time).", m->set_newest_data);
	tw_prom_one(f, "torwatch_feed_stale", "gauge",
	    "1 while the newest good data is older than the stale-after setting.", m->feed_stale);
}

static void sources(FILE *f, const struct tw_source_info *src)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "torwatch_feed_source_entries", "gauge", "Entries of each source in the exit set." },
		{ "torwatch_feed_source_last_success_timestamp_seconds", "gauge",
		  "The last successful fetch or read of each source (Unix time)." },
		{ "torwatch_feed_source_data_timestamp_seconds", "gauge",
		  "The date of each source's newest data (Unix time)." },
		{ "torwatch_feed_source_consecutive_failures", "gauge",
		  "Attempts in a row that failed or were refused, by source." },
	};

	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		tw_prom_family(f, fam[k].name, fam[k].type, fam[k].help);
		for (int i = 0; i < TW_MAX_SOURCES; i++) {
			const struct tw_source_info *s = &src[i];
			const uint64_t v[] = { s->exact_v4 + s->exact_v6 + s->prefixes_v4 + s->prefixes_v6,
					       s->last_success, s->newest_data, s->failures };

			if (s->in_use)
				tw_prom_sample(f, fam[k].name, "source", s->name, v[k]);
		}
	}
}

/* How long each input held the daemon's event loop: a slow run delays
 * every kernel event behind it. Absent on a pin root from before it. */
static void event_loop(FILE *f, const char *root)
{
	struct tw_loop_stat st[TW_LOOP_STATS] = {};
	__u32 n = 0;
	int fd = tw_pin_open_ro(root, TW_PIN_NAME(loop_stats));

	if (fd < 0)
		return;
	while (n < TW_LOOP_STATS && !bpf_map_lookup_elem(fd, &n, &st[n]) && st[n].name[0]) {
		st[n].name[sizeof(st[n].name) - 1] = '\0';
		n++;
	}
	close(fd);
	tw_prom_family(f, "torwatch_event_loop_slow_runs_total", "counter",
	    "Runs of an input's handler that held the daemon's event loop 5 ms or more.");
	for (__u32 i = 0; i < n; i++)
		tw_prom_sample(f, "torwatch_event_loop_slow_runs_total", "input", st[i].name, st[i].slow);
	tw_prom_family(f, "torwatch_event_loop_longest_run_seconds", "gauge",
	    "The longest run of an input's handler since the daemon started.");
	for (__u32 i = 0; i < n; i++) {
		fputs("torwatch_event_loop_longest_run_seconds{input=\"", f);
		tw_prom_label_value(f, st[i].name);
		fprintf(f, "\"} %.6f\n", (double)st[i].longest_us / 1e6);
	}
}

static void alerts(FILE *f, const char *root)
{
	struct tw_alert_stats a = {};
	struct tw_sink_stat s[TW_MAX_SINKS] = {};
	__u32 zero = 0;
	int fd = tw_pin_open_ro(root, TW_PIN_NAME(alert_stats));

	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &a);
		close(fd);
	}
	tw_prom_family(f, "torwatch_alerts_total", "counter", "Alerts raised by rule (since the daemon started).");
	for (int i = 0; tw_rules[i] && i < TW_MAX_RULES; i++)
		tw_prom_sample(f, "torwatch_alerts_total", "rule", tw_rules[i]->id, a.by_rule[i]);
	tw_prom_one(f, "torwatch_alerts_suppressed_total", "counter",
	    "Alerts a rule's throttle held back.", a.suppressed);
	tw_prom_one(f, "torwatch_alerts_folded_total", "counter",
	    "Per-source alerts folded into a tor_source_storm summary.", a.folded);

	fd = tw_pin_open_ro(root, TW_PIN_NAME(sink_stats));
	for (__u32 i = 0; fd >= 0 && i < TW_MAX_SINKS; i++)
		bpf_map_lookup_elem(fd, &i, &s[i]);
	if (fd >= 0)
		close(fd);
	tw_prom_family(f, "torwatch_sink_alerts_total", "counter",
	       "Alerts by sink and outcome (since the daemon started).");
	for (int i = 0; i < TW_MAX_SINKS && s[i].in_use; i++) {
		const struct {
			const char *outcome;
			uint64_t v;
		} o[] = { { "written", s[i].written },	   { "failed", s[i].failed },
			  { "filtered", s[i].filtered },   { "delivered", s[i].delivered },
			  { "retried", s[i].retried },	   { "rejected", s[i].rejected },
			  { "dropped", s[i].dropped },	   { "spooled", s[i].spooled },
			  { "too_large", s[i].too_large } };

		s[i].name[sizeof(s[i].name) - 1] = '\0';
		for (size_t k = 0; k < sizeof(o) / sizeof(o[0]); k++) {
			fputs("torwatch_sink_alerts_total{sink=\"", f);
			tw_prom_label_value(f, s[i].name);
			fprintf(f, "\",outcome=\"%s\"} %llu\n", o[k].outcome, (unsigned long long)o[k].v);
		}
	}
	tw_prom_family(f, "torwatch_sink_queued_alerts", "gauge", "Alerts waiting in each sink's memory queue.");
	for (int i = 0; i < TW_MAX_SINKS && s[i].in_use; i++)
		tw_prom_sample(f, "torwatch_sink_queued_alerts", "sink", s[i].name, s[i].queued);
	tw_prom_family(f, "torwatch_sink_spooled_alerts", "gauge", "Alerts waiting in each sink's spool on disk.");
	for (int i = 0; i < TW_MAX_SINKS && s[i].in_use; i++)
		tw_prom_sample(f, "torwatch_sink_spooled_alerts", "sink", s[i].name, s[i].spool_pending);
}

/* Tor used from this host, as the Tor client sensor counted it: by rule and
 * whether the executable may use Tor; never a process or an address as a
 * label. Nothing when the sensor is off (not pinned). */
static void tor_clients(FILE *f, const char *root)
{
	static const char *const rules[2] = { "tor_client_connection", "tor_proxy_use" };
	int fd = tw_pin_open_ro(root, TW_PIN_TOR_CLIENT_TOTALS);
	__u64 v[4] = {};
	struct tw_tor_client_key k, next;
	void *prev = NULL;
	uint64_t procs = 0;

	if (fd < 0)
		return;
	for (__u32 i = 0; i < 4; i++)
		bpf_map_lookup_elem(fd, &i, &v[i]);
	close(fd);
	tw_prom_family(f, "torwatch_tor_client_connections_total", "counter",
	    "Connections from this host to Tor relays or the local Tor proxy, by rule and whether the executable may use Tor (since the daemon started).");
	for (int i = 0; i < 4; i++)
		fprintf(f, "torwatch_tor_client_connections_total{rule=\"%s\",allowed=\"%s\"} %llu\n",
			rules[i / 2], i % 2 ? "yes" : "no", (unsigned long long)v[i]);
	fd = tw_pin_open_ro(root, TW_PIN_TOR_CLIENTS);
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		procs++;
	}
	if (fd >= 0)
		close(fd);
	tw_prom_one(f, "torwatch_tor_client_processes", "gauge",
	    "Processes (name and executable) seen using Tor from this host since the daemon started.", procs);
}

/* Exit traffic by country: at most some 250 values, never an address. The
 * sources seen are counted on the same pass over the maps. */
static void by_country(FILE *f, const struct tw_pinned *p, const struct tw_geo *geo,
		       struct tw_sources_count *seen)
{
	struct tw_geo_row *rows = NULL;
	size_t n = 0;

	struct labelled *l;

	if (tw_traffic_by_geo(p, geo, false, seen, &rows, &n))
		return;
	l = calloc(n + 1, sizeof(*l));
	for (size_t i = 0; l && i < n; i++)
		l[i] = (struct labelled){ rows[i].key, rows[i].packets, rows[i].bytes };
	if (l)
		traffic_pair(f, "country", "country",
			     "the source's country (ISO 3166 code, or unknown)", l, n);
	free(l);
	free(rows);
}

/* By country and the sources seen, from one pass over the per-source maps
 * (without a country database, only the sources seen). */
static void per_source(FILE *f, const struct tw_pinned *p, const struct tw_geo *geo)
{
	struct tw_sources_count seen = tw_sources_count_since(tw_local_midnight_ns());

	if (tw_geo_country_source(geo))
		by_country(f, p, geo, &seen);
	else
		tw_sources_seen(p, &seen);
	tw_prom_family(f, "torwatch_exit_sources_seen", "gauge",
	       "Distinct exit sources that sent traffic: since the counters began, and today (local time).");
	tw_prom_sample(f, "torwatch_exit_sources_seen", "period", "since_reset", seen.all);
	tw_prom_sample(f, "torwatch_exit_sources_seen", "period", "today", seen.recent);
}

int tw_metrics_write(FILE *f, const char *root, const struct tw_pinned *p,
		     const struct tw_port_set *ports, const struct tw_geo *geo)
{
	struct tw_source_info src[TW_MAX_SOURCES] = {};
	struct tw_traffic tcp, udp;
	struct tw_meta m = {};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(p->meta, &zero, &m))
		return -errno;
	for (__u32 i = 0; i < TW_MAX_SOURCES; i++)
		bpf_map_lookup_elem(p->sources, &i, &src[i]);
	m.version[sizeof(m.version) - 1] = '\0';
	for (int i = 0; i < TW_MAX_SOURCES; i++)
		src[i].name[sizeof(src[i].name) - 1] = '\0';
	tw_prom_family(f, "torwatch_build_info", "gauge", "The torwatch that renders these metrics; always 1.");
	tw_prom_sample(f, "torwatch_build_info", "version", TORWATCH_VERSION, 1);
	tw_prom_one(f, "torwatch_daemon_up", "gauge", "1 while a daemon tends the pinned state.",
	    tw_pin_lock_holder(root) != 0);
	tw_prom_one(f, "torwatch_daemon_start_time_seconds", "gauge",
	    "When the daemon that pinned the state last started (Unix time).", m.started_at);
	counters(f, p);
	by_protocol(f, p, &tcp, &udp);
	by_port(f, p, ports, &tcp, &udp);
	per_source(f, p, geo);
	exit_set(f, &m);
	sources(f, src);
	alerts(f, root);
	event_loop(f, root);
	tor_clients(f, root);
	return ferror(f) ? -EIO : 0;
}
