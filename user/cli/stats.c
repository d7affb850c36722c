// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch stats: traffic from exit nodes, read from the pinned counters. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "common/addr.h"
#include "common/atomic_file.h"
#include "common/port_list.h"
#include "config/run_opts.h"
#include "metrics/by_geo.h"
#include "metrics/prometheus.h"
#include "alerts/ecs.h"
#include "cli/cli.h"
#include "cli/traffic_table.h"
#include "common/timeutil.h"
#include "torwatch.h"

const char tw_stats_usage[] =
	"usage: torwatch stats [--by source|port|proto|country|asn] [--top N] [--json]\n"
	"                      [--geoip FILE] [--asn-db FILE] [--pin-root DIR]\n"
	"       torwatch stats --prometheus [--output FILE] [--ports LIST] [--pin-root DIR]\n"
	"       torwatch stats reset [--pin-root DIR]\n"
	"  --prometheus writes every metric in Prometheus' text format, to FILE\n"
	"  (replaced whole: node_exporter's textfile collector) or stdout; LIST are\n"
	"  the ports that get a label of their own (default " TW_METRICS_PORTS_DEFAULT ").\n"
	"  Countries and networks come from the daemon's databases (its --geoip and\n"
	"  --asn-db), or from FILE.\n";

enum by { BY_ALL = 0, BY_SOURCE = 1, BY_PORT = 2, BY_PROTO = 4, BY_COUNTRY = 8, BY_ASN = 16 };

struct stats_opts {
	int by;
	long top;
	bool prometheus;
	bool table_opts;	/* --by or --top: the tables' shape */
	const char *output;
	const char *ports;
	const char *geoip, *asn_db;	/* overrides of the daemon's databases */
};

static void fmt_time(uint64_t mono_ns, char *buf, size_t len)
{
	tw_format_iso8601_ms(tw_mono_to_unix_ns(mono_ns), buf, len);
}

static void row_label(int kind, const struct tw_row *r, char *buf, size_t len)
{
	char pb[8];

	if (kind == BY_SOURCE) {
		struct tw_prefix a;

		tw_prefix_from_in6(r->src.addr.addr, &a);
		tw_prefix_format(&a, buf, len);
	} else if (kind == BY_PORT) {
		snprintf(buf, len, "%u/%s", r->port.port, tw_proto_name(r->port.proto, pb, sizeof(pb)));
	} else {
		snprintf(buf, len, "%s", tw_proto_name((uint8_t)r->proto, pb, sizeof(pb)));
	}
}

/* A source's country for its row, NULL when unknown. */
static const char *source_country(const struct tw_geo *geo, const struct tw_row *r, char cc[3])
{
	struct tw_prefix a;

	tw_prefix_from_in6(r->src.addr.addr, &a);
	return tw_geo_country_of(geo, a.family, a.addr, cc);
}

static struct json_object *table_json(int kind, const struct tw_table *t, long top,
				      const struct tw_geo *geo)
{
	struct json_object *arr = json_object_new_array();
	char label[TW_ADDR_STRLEN], t1[40];

	for (size_t i = 0; i < t->n && (long)i < top; i++) {
		const struct tw_row *r = &t->rows[i];
		struct json_object *o = json_object_new_object();

		row_label(kind, r, label, sizeof(label));
		if (kind == BY_SOURCE) {
			json_object_object_add(o, "source", json_object_new_string(label));
			fmt_time(r->src.first_ns, t1, sizeof(t1));
			json_object_object_add(o, "first_seen", json_object_new_string(t1));
			fmt_time(r->src.last_ns, t1, sizeof(t1));
			json_object_object_add(o, "last_seen", json_object_new_string(t1));
			char cc[3];
			const char *c = source_country(geo, r, cc);

			json_object_object_add(o, "country", c ? json_object_new_string(c) : NULL);
			json_object_object_add(o, "bytes_per_packet",
					       json_object_new_int64((int64_t)(r->bytes / r->packets)));
		} else if (kind == BY_PORT) {
			char pb[8];

			json_object_object_add(o, "port", json_object_new_int(r->port.port));
			json_object_object_add(o, "transport", json_object_new_string(
				tw_proto_name(r->port.proto, pb, sizeof(pb))));
		} else {
			json_object_object_add(o, "transport", json_object_new_string(label));
			json_object_object_add(o, "iana_number", json_object_new_int((int)r->proto));
		}
		json_object_object_add(o, "packets", json_object_new_int64((int64_t)r->packets));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->bytes));
		json_object_object_add(o, "dropped", json_object_new_int64((int64_t)r->dropped));
		json_object_object_add(o, "would_drop", json_object_new_int64((int64_t)r->would_drop));
		json_object_array_add(arr, o);
	}
	return arr;
}

static void table_text(int kind, const struct tw_table *t, long top, const struct tw_geo *geo)
{
	static const char *const titles[] = { [BY_SOURCE] = "source", [BY_PORT] = "port",
					      [BY_PROTO] = "protocol" };
	char label[TW_ADDR_STRLEN], t1[40], t2[40];

	printf("\nby %s (top %ld of %zu):\n", titles[kind], top, t->n);
	printf("  %-40s %12s %14s %10s %10s%s\n", titles[kind], "packets", "bytes", "dropped", "dry run",
	       kind == BY_SOURCE ? "  B/pkt  cc  first seen               last seen" : "");
	for (size_t i = 0; i < t->n && (long)i < top; i++) {
		const struct tw_row *r = &t->rows[i];

		row_label(kind, r, label, sizeof(label));
		printf("  %-40s %12llu %14llu %10llu %10llu", label, (unsigned long long)r->packets,
		       (unsigned long long)r->bytes, (unsigned long long)r->dropped,
		       (unsigned long long)r->would_drop);
		if (kind == BY_SOURCE) {
			char cc[3];
			const char *c = source_country(geo, r, cc);

			fmt_time(r->src.first_ns, t1, sizeof(t1));
			fmt_time(r->src.last_ns, t2, sizeof(t2));
			printf("  %5llu  %-2s  %s %s", (unsigned long long)(r->bytes / r->packets),
			       c ? c : "--", t1, t2);
		}
		printf("\n");
	}
}

static int on_stats_opt(int opt, const char *arg, void *ctx)
{
	struct stats_opts *so = ctx;
	char *end;

	if (opt == 'P') {
		so->prometheus = true;
		return 0;
	}
	if (opt == 'o' || opt == 'p' || opt == 'G' || opt == 'A') {
		*(opt == 'o' ? &so->output : opt == 'p' ? &so->ports : opt == 'G' ? &so->geoip :
							     &so->asn_db) = arg;
		return 0;
	}
	if (opt == 'b' || opt == 't')
		so->table_opts = true;
	if (opt == 'b') {
		if (!strcmp(arg, "source"))
			so->by = BY_SOURCE;
		else if (!strcmp(arg, "port"))
			so->by = BY_PORT;
		else if (!strcmp(arg, "proto") || !strcmp(arg, "protocol"))
			so->by = BY_PROTO;
		else if (!strcmp(arg, "country"))
			so->by = BY_COUNTRY;
		else if (!strcmp(arg, "asn"))
			so->by = BY_ASN;
		else {
			fprintf(stderr, "torwatch: --by must be source, port, proto, country or asn, not '%.32s'\n",
				arg);
			return -1;
		}
		return 0;
	}
	so->top = strtol(arg, &end, 10);
	if (*end || so->top <= 0) {
		fprintf(stderr, "torwatch: --top needs a positive number, not '%.32s'\n", arg);
		return -1;
	}
	return 0;
}

/* stats --prometheus: the metrics renderer's text, to stdout or atomically
 * to a file (a textfile collector must never read half of one). */
static int stats_prometheus(const struct tw_cli *cli, const struct tw_pinned *p,
			    const struct stats_opts *so, const struct tw_geo *geo)
{
	struct tw_port_set ports;
	struct tw_atomic_file a;
	char err[160];
	int ret;

	if (tw_port_list_parse(so->ports ? so->ports : TW_METRICS_PORTS_DEFAULT, &ports, err,
			       sizeof(err)))
		return tw_cli_fail(cli, "--ports: %s", err);
	if (!so->output || !strcmp(so->output, "-")) {
		ret = tw_metrics_write(stdout, cli->pin_root, p, &ports, geo);
		return ret ? tw_cli_fail(cli, "cannot write the metrics: %s", strerror(-ret)) : 0;
	}
	ret = tw_atomic_open(&a, so->output, 0644);
	if (!ret) {
		ret = tw_metrics_write(a.f, cli->pin_root, p, &ports, geo);
		if (ret)
			tw_atomic_abort(&a);
		else
			ret = tw_atomic_commit(&a);
	}
	return ret ? tw_cli_fail(cli, "cannot write %s: %s (the file there, if any, is unchanged)",
				 so->output, strerror(-ret)) :
		     0;
}

/* Per-CPU maps without windows or masks are zeroed from here; the sources'
 * counters in the kernel (reset_counters), so that a source mask the daemon
 * sets meanwhile and the alert windows stay as they are. */
static int stats_reset(int argc, char **argv)
{
	struct tw_cli cli = {};
	struct tw_reset_ctx r = {};
	struct tw_port_key pk;
	struct tw_pinned p;
	int ncpu = libbpf_num_possible_cpus();
	int ret = tw_cli_parse_common(argc, argv, &cli, tw_stats_usage, NULL, NULL, NULL);
	void *zeros;
	__u32 zero = 0;

	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 0, tw_stats_usage))
		return 2;
	cli.write = true;
	ret = tw_cli_open(&cli, &p);
	if (ret)
		return ret;
	/* Per-CPU values: one zeroed slot per possible CPU. */
	zeros = ncpu > 0 ? calloc((size_t)ncpu, sizeof(struct tw_counters)) : NULL;
	ret = zeros ? 0 : -ENOMEM;
	if (!ret && bpf_map_update_elem(p.counters, &zero, zeros, BPF_ANY))
		ret = -errno;
	for (__u32 i = 0; !ret && i < 256; i++)
		if (bpf_map_update_elem(p.proto_stats, &i, zeros, BPF_ANY))
			ret = -errno;
	for (__u32 i = 0; !ret && i < 2 * TW_LOW_PORTS; i++)
		if (bpf_map_update_elem(p.low_port_stats, &i, zeros, BPF_ANY))
			ret = -errno;
	while (!ret && !bpf_map_get_next_key(p.port_stats, NULL, &pk))
		if (bpf_map_delete_elem(p.port_stats, &pk) && errno != ENOENT)
			ret = -errno;
	free(zeros);
	tw_pinned_close(&p);
	if (ret)
		return tw_cli_fail(&cli, "cannot reset the counters: %s", strerror(-ret));
	ret = tw_run_pinned(cli.pin_root, TW_PIN_PROG(reset_counters), &r, sizeof(r));
	if (ret == -ENOENT)
		return tw_cli_fail(&cli, "the pin root %s has no reset program: it was made by an older torwatch; restart the daemon",
				   cli.pin_root);
	if (ret)
		return tw_cli_fail(&cli, "cannot reset the sources' counters: %s", strerror(-ret));
	if (cli.json)
		printf("{\"reset\":true,\"sources\":%llu}\n", (unsigned long long)r.zeroed);
	else
		printf("counters reset (%llu source%s)\n", (unsigned long long)r.zeroed,
		       r.zeroed == 1 ? "" : "s");
	return 0;
}

const char *const tw_stats_verbs[] = { "reset", NULL };

const struct option tw_stats_options[] = {
	{ "by", required_argument, NULL, 'b' },
	{ "prometheus", no_argument, NULL, 'P' },
	{ "output", required_argument, NULL, 'o' },
	{ "ports", required_argument, NULL, 'p' },
	{ "geoip", required_argument, NULL, 'G' },
	{ "asn-db", required_argument, NULL, 'A' },
	{ "top", required_argument, NULL, 't' },
	{},
};

int tw_cmd_stats(int argc, char **argv)
{
	struct stats_opts so = { .by = BY_ALL, .top = 10 };
	struct tw_cli cli = {};
	struct tw_table t[3] = {};
	static const int kinds[3] = { BY_SOURCE, BY_PORT, BY_PROTO };
	struct tw_counters cnt = {};
	__u64 *totals = cnt.c;
	__u32 zero = 0;
	struct tw_pinned p;
	struct tw_geo *geo = NULL;
	struct tw_sources_count seen = {};
	int ret;

	if (argc > 1 && !strcmp(argv[1], tw_stats_verbs[0]))
		return stats_reset(argc - 1, argv + 1);
	ret = tw_cli_parse_common(argc, argv, &cli, tw_stats_usage, tw_stats_options, on_stats_opt, &so);
	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 0, tw_stats_usage))
		return 2;
	if ((so.output || so.ports) && !so.prometheus)
		return tw_cli_fail(&cli, "--output and --ports go with --prometheus");
	/* Refused rather than ignored: the metrics have one format and shape. */
	if (so.prometheus && (cli.json || so.table_opts))
		return tw_cli_fail(&cli, "--prometheus writes every metric in Prometheus' text format; --json, --by and --top go with the tables");
	ret = tw_cli_open(&cli, &p);
	if (ret)
		return ret;
	ret = tw_stats_geo_open(&cli, &p, so.geoip, so.asn_db, &geo);
	if (ret) {
		tw_pinned_close(&p);
		return ret;
	}
	if (so.prometheus) {
		ret = stats_prometheus(&cli, &p, &so, geo);
		tw_geo_close(geo);
		tw_pinned_close(&p);
		return ret;
	}
	tw_percpu_sum(p.counters, &zero, &cnt, sizeof(cnt));
	seen = tw_sources_count_since(tw_local_midnight_ns());
	ret = tw_sources_seen(&p, &seen);
	if (!ret && (!so.by || so.by == BY_SOURCE))
		ret = tw_read_sources(&p, &t[0]);
	if (!ret && (!so.by || so.by == BY_PORT))
		ret = tw_read_ports(&p, &t[1]);
	if (!ret && (!so.by || so.by == BY_PROTO))
		ret = tw_read_protos(p.proto_stats, &t[2]);
	if (ret) {
		tw_geo_close(geo);
		tw_pinned_close(&p);
		return tw_cli_fail(&cli, "cannot read the counters: %s", strerror(-ret));
	}
	for (int i = 0; i < 3; i++)
		tw_table_sort(&t[i], tw_rows_by_packets);

	if (cli.json) {
		struct json_object *o = json_object_new_object(), *tot = json_object_new_object();
		static const char *const keys[3] = { "sources", "ports", "protocols" };

		for (int i = 0; i < TW_CNT__MAX; i++)
			json_object_object_add(tot, tw_counter_name(i),
						json_object_new_int64((int64_t)totals[i]));
		json_object_object_add(tot, "sources_seen", json_object_new_int64((int64_t)seen.all));
		json_object_object_add(tot, "sources_seen_today", json_object_new_int64((int64_t)seen.recent));
		json_object_object_add(o, "totals", tot);
		for (int i = 0; i < 3; i++)
			if (!so.by || so.by == kinds[i])
				json_object_object_add(o, keys[i], table_json(kinds[i], &t[i], so.top, geo));
		if (!so.by || so.by == BY_COUNTRY)
			json_object_object_add(o, "countries", tw_stats_geo_json(&p, geo, false, so.top));
		if (so.by == BY_ASN)
			json_object_object_add(o, "networks", tw_stats_geo_json(&p, geo, true, so.top));
		if (!so.by)
			json_object_object_add(o, "tor_clients",
					       tw_stats_tor_clients_json(cli.pin_root, so.top));
		tw_cli_print_json(o, true);
	} else {
		printf("all packets seen: %llu (%llu bytes); IPv4 %llu, IPv6 %llu, non-IP %llu, unreadable %llu\n",
		       (unsigned long long)totals[TW_CNT_PACKETS], (unsigned long long)totals[TW_CNT_BYTES],
		       (unsigned long long)totals[TW_CNT_IPV4], (unsigned long long)totals[TW_CNT_IPV6],
		       (unsigned long long)totals[TW_CNT_NON_IP],
		       (unsigned long long)totals[TW_CNT_PARSE_ERRORS]);
		printf("from exit nodes:  %llu packets, %llu bytes; dropped %llu (dry run: %llu); allowlisted %llu\n",
		       (unsigned long long)totals[TW_CNT_EXIT_PACKETS],
		       (unsigned long long)totals[TW_CNT_EXIT_BYTES],
		       (unsigned long long)totals[TW_CNT_DROPPED],
		       (unsigned long long)totals[TW_CNT_WOULD_DROP],
		       (unsigned long long)totals[TW_CNT_ALLOWLISTED]);
		printf("distinct exit sources seen: %llu since the counters began, %llu today\n",
		       (unsigned long long)seen.all, (unsigned long long)seen.recent);
		for (int i = 0; i < 3; i++)
			if (!so.by || so.by == kinds[i])
				table_text(kinds[i], &t[i], so.top, geo);
		if (!so.by || so.by == BY_COUNTRY)
			tw_stats_geo_text(&p, geo, false, so.top);
		if (so.by == BY_ASN)
			tw_stats_geo_text(&p, geo, true, so.top);
		if (!so.by)
			tw_stats_tor_clients_text(cli.pin_root, so.top);
	}
	for (int i = 0; i < 3; i++)
		free(t[i].rows);
	tw_geo_close(geo);
	tw_pinned_close(&p);
	return 0;
}
