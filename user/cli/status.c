// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch status: what is attached where, what the exit set holds. */
#include <bpf/bpf.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "sensors/listen/listen_policy.h"
#include "common/port_list.h"
#include "common/timeutil.h"
#include "torwatch.h"
#include "tw_pins.h"
#include "tw_status.h"
#include "kernel/kept_pins.h"
#include "kernel/xdp_attach.h"
#include "common/plural.h"

const char tw_status_usage[] =
	"usage: torwatch status [--json] [--pin-root DIR]\n"
	"  exit status: 0 a daemon runs, 3 none runs (its state pinned or not), 2 errors\n";

struct status {
	struct tw_meta meta;
	struct tw_block_config block;
	char block_ports[256], ssh_ports[256];
	__u64 ssh_events, ssh_lost;
	struct tw_source_info src[TW_MAX_SOURCES];
	__u64 events, lost;
	struct tw_alert_stats alerts;
	bool has_alerts;	/* false: a pin root from before alert counts */
	struct tw_sink_stat sinks[TW_MAX_SINKS];
	bool has_sinks;
	struct tw_history history;	/* runs 0: none before this one (or an older pin root) */
	struct tw_loop_stat loop[TW_LOOP_STATS];
	bool has_loop;		/* false: a pin root from before the loop's figures */
	uint32_t pid;
	bool alive;
	bool ssh_pinned;	/* the SSH detector's link is pinned: it watches with no daemon */
	char watched[160];	/* every sensor whose links are pinned, "" if none */
	struct json_object *watched_json;
};

/* The sensors that keep watching with no daemon: their links are pinned. */
static const struct {
	const char *prefix, *shown, *key;
} kept_sensors[] = {
	{ TW_PIN_LINK_SSH, "SSH from Tor", "ssh" },
	{ TW_PIN_LINK_LISTEN, "new listeners", "listen" },
	{ TW_PIN_LINK_SESSION, "SSH sessions", "session" },
	{ TW_PIN_LINK_TOR_CLIENT, "Tor used from this host", "tor_client" },
};

static void read_watched(const char *root, struct status *s)
{
	size_t used = 0;

	s->watched_json = json_object_new_array();
	for (size_t i = 0; i < sizeof(kept_sensors) / sizeof(kept_sensors[0]); i++) {
		if (!tw_kept_link_exists(root, kept_sensors[i].prefix))
			continue;
		s->ssh_pinned |= !strcmp(kept_sensors[i].key, "ssh");
		if (used < sizeof(s->watched))
			used += (size_t)snprintf(s->watched + used, sizeof(s->watched) - used,
						 "%s%s", used ? ", " : "", kept_sensors[i].shown);
		json_object_array_add(s->watched_json,
				      json_object_new_string(kept_sensors[i].key));
	}
}

/* n entries of the pinned array map name (alert_stats, sink_stats): false
 * on a pin root from before it. */
static bool read_pinned_array(const char *root, const char *name, void *out, size_t value_size,
			      __u32 n)
{
	int fd = tw_pin_open_ro(root, name);
	bool ok = fd >= 0;

	for (__u32 i = 0; ok && i < n; i++)
		ok = !bpf_map_lookup_elem(fd, &i, (char *)out + i * value_size);
	if (fd >= 0)
		close(fd);
	return ok;
}

static int read_status(const char *root, const struct tw_pinned *p, struct status *s)
{
	struct tw_counters cnt;
	__u32 zero = 0;

	memset(s, 0, sizeof(*s));
	if (bpf_map_lookup_elem(p->meta, &zero, &s->meta))
		return -1;
	for (__u32 i = 0; i < TW_MAX_SOURCES; i++)
		bpf_map_lookup_elem(p->sources, &i, &s->src[i]);
	if (!tw_percpu_sum(p->counters, &zero, &cnt, sizeof(cnt))) {
		s->events = cnt.c[TW_CNT_EVENTS];
		s->lost = cnt.c[TW_CNT_EVENTS_LOST];
		s->ssh_events = cnt.c[TW_CNT_SSH_EVENTS];
		s->ssh_lost = cnt.c[TW_CNT_SSH_EVENTS_LOST];
	}
	struct tw_port_set ports;

	bpf_map_lookup_elem(p->block, &zero, &s->block);
	if (!tw_port_set_load(p->block_ports, &ports))
		tw_port_list_format(&ports, s->block_ports, sizeof(s->block_ports));
	if (!tw_port_set_load(p->ssh_ports, &ports))
		tw_port_list_format(&ports, s->ssh_ports, sizeof(s->ssh_ports));
	s->meta.version[sizeof(s->meta.version) - 1] = '\0';
	s->alive = tw_daemon_alive(root, &s->pid);
	read_watched(root, s);
	s->has_alerts = read_pinned_array(root, TW_PIN_NAME(alert_stats), &s->alerts,
					   sizeof(s->alerts), 1);
	s->has_sinks = read_pinned_array(root, TW_PIN_NAME(sink_stats), s->sinks,
					 sizeof(s->sinks[0]), TW_MAX_SINKS);
	s->has_loop = read_pinned_array(root, TW_PIN_NAME(loop_stats), s->loop, sizeof(s->loop[0]),
					TW_LOOP_STATS);
	if (!read_pinned_array(root, TW_PIN_NAME(history), &s->history, sizeof(s->history), 1))
		memset(&s->history, 0, sizeof(s->history));
	return 0;
}

static void iso(int64_t t, char *buf, size_t len)
{
	tw_format_iso8601(t, buf, len);
}

/* What the daemons before this one counted on the same pinned state. */
static struct json_object *history_json(const struct tw_history *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "since", tw_json_time(h->since));
	json_object_object_add(o, "last_ended_at", tw_json_time(h->last_end));
#define TW_HISTORY_FIELD(f) json_object_object_add(o, #f, json_object_new_int64((int64_t)h->f));
	TW_HISTORY_FIELD(runs)
	TW_HISTORY_FIELD(unclean)
	TW_HISTORY_FIELD(raised)
	TW_HISTORY_FIELD(lost)
	TW_HISTORY_FIELD(suppressed)
	TW_HISTORY_FIELD(spooled)
	TW_HISTORY_FIELD(delivered)
#undef TW_HISTORY_FIELD
	return o;
}

static void print_json(const struct tw_cli *cli, const struct status *s)
{
	struct json_object *o = json_object_new_object(), *ifs = json_object_new_array(),
			   *set = json_object_new_object(),
			   *d = json_object_new_object(), *ev = json_object_new_object();
	int64_t now = tw_now_unix();
	char t1[32];

	json_object_object_add(d, "running", json_object_new_boolean(s->alive));
	json_object_object_add(d, "pid", json_object_new_int64(s->pid));
	json_object_object_add(d, "started_at", tw_json_time(s->meta.started_at));
	json_object_object_add(d, "ssh_watched_without_daemon",
			       json_object_new_boolean(!s->alive && s->ssh_pinned));
	/* The sensors whose links are pinned: they watch while no daemon runs. */
	json_object_object_add(d, "kept_watching", json_object_get(s->watched_json));
	/* Not running: since when no daemon tends the state. */
	json_object_object_add(d, "untended_since",
			       s->alive ? NULL : tw_json_time(s->meta.stopped_at ? s->meta.stopped_at :
							      s->meta.heartbeat_at));
	json_object_object_add(d, "clean_stop", json_object_new_boolean(!s->alive && s->meta.stopped_at));
	json_object_object_add(d, "pinned_by_version", json_object_new_string(s->meta.version));
	json_object_object_add(d, "pin_layout", json_object_new_int64(s->meta.layout));
	json_object_object_add(o, "daemon", d);
	json_object_object_add(o, "pin_root", json_object_new_string(cli->pin_root));
	for (__u32 i = 0; i < s->meta.n_ifaces && i < TW_MAX_IFACES; i++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "name", json_object_new_string(s->meta.ifaces[i].name));
		json_object_object_add(j, "ifindex", json_object_new_int64(s->meta.ifaces[i].ifindex));
		json_object_object_add(j, "xdp_mode", json_object_new_string(tw_xdp_mode_name(
			tw_xdp_query_mode((int)s->meta.ifaces[i].ifindex))));
		json_object_object_add(j, "present", json_object_new_boolean(!s->meta.ifaces[i].gone_since));
		json_object_object_add(j, "gone_since", s->meta.ifaces[i].gone_since ?
				       tw_json_time(s->meta.ifaces[i].gone_since) : NULL);
		json_object_array_add(ifs, j);
	}
	json_object_object_add(o, "interfaces", ifs);
	json_object_object_add(set, "exact_v4", json_object_new_int64(s->meta.exact_v4));
	json_object_object_add(set, "exact_v6", json_object_new_int64(s->meta.exact_v6));
	json_object_object_add(set, "prefixes_v4", json_object_new_int64(s->meta.prefixes_v4));
	json_object_object_add(set, "prefixes_v6", json_object_new_int64(s->meta.prefixes_v6));
	json_object_object_add(set, "loaded_at", tw_json_time(s->meta.set_loaded_at));
	json_object_object_add(set, "newest_data", tw_json_time(s->meta.set_newest_data));
	json_object_object_add(set, "newest_data_age_s",
			       s->meta.set_newest_data ?
			       json_object_new_int64(now - (int64_t)s->meta.set_newest_data) : NULL);
	json_object_object_add(set, "apply_usec", json_object_new_int64((int64_t)s->meta.apply_usec));
	json_object_object_add(set, "sources", tw_sources_json(s->src, now, s->alive));
	json_object_object_add(set, "stale", json_object_new_boolean(s->meta.feed_stale));
	json_object_object_add(o, "exit_set", set);
	json_object_object_add(ev, "written", json_object_new_int64((int64_t)s->events));
	json_object_object_add(ev, "lost", json_object_new_int64((int64_t)s->lost));
	json_object_object_add(ev, "ssh_written", json_object_new_int64((int64_t)s->ssh_events));
	json_object_object_add(ev, "ssh_lost", json_object_new_int64((int64_t)s->ssh_lost));
	json_object_object_add(o, "events", ev);
	json_object_object_add(o, "event_loop", s->has_loop ? tw_loop_stats_json(s->loop) : NULL);
	if (s->has_alerts) {
		struct json_object *al = json_object_new_object();

		json_object_object_add(al, "raised", json_object_new_int64((int64_t)s->alerts.emitted));
		json_object_object_add(al, "written", json_object_new_int64((int64_t)s->alerts.written));
		json_object_object_add(al, "failed", json_object_new_int64((int64_t)s->alerts.failed));
		json_object_object_add(al, "suppressed",
				       json_object_new_int64((int64_t)s->alerts.suppressed));
		json_object_object_add(al, "folded",
				       json_object_new_int64((int64_t)s->alerts.folded));
		if (s->history.runs)
			json_object_object_add(al, "earlier_daemons", history_json(&s->history));
		if (s->has_sinks) {
			struct json_object *arr = json_object_new_array();

			for (int i = 0; i < TW_MAX_SINKS && s->sinks[i].in_use; i++) {
				const struct tw_sink_stat *k = &s->sinks[i];
				struct json_object *j = json_object_new_object();

				json_object_object_add(j, "kind", json_object_new_string(k->kind));
				json_object_object_add(j, "name", json_object_new_string(k->name));
#define TW_SINK_FIELD(f) json_object_object_add(j, #f, json_object_new_int64((int64_t)k->f));
				TW_SINK_FIELD(written)
				TW_SINK_FIELD(failed)
				TW_SINK_FIELD(filtered)
				TW_SINK_FIELD(delivered)
				TW_SINK_FIELD(retried)
				TW_SINK_FIELD(rejected)
				TW_SINK_FIELD(dropped)
				TW_SINK_FIELD(too_large)
				TW_SINK_FIELD(spooled)
				TW_SINK_FIELD(spool_pending)
				TW_SINK_FIELD(queued)
#undef TW_SINK_FIELD
				json_object_object_add(j, "last_error", k->last_error[0] ?
						       json_object_new_string(k->last_error) : NULL);
				iso((int64_t)k->last_error_at, t1, sizeof(t1));
				json_object_object_add(j, "last_error_at", k->last_error_at ?
						       json_object_new_string(t1) : NULL);
				json_object_array_add(arr, j);
			}
			json_object_object_add(al, "sinks", arr);
		}
		json_object_object_add(o, "alerts", al);
	} else {
		json_object_object_add(o, "alerts", NULL);
	}
	struct json_object *blk = json_object_new_object();

	json_object_object_add(blk, "mode", json_object_new_string(tw_block_mode_name(s->block.mode)));
	json_object_object_add(blk, "ports", json_object_new_string(s->block.all ? "all" :
								      s->block_ports));
	json_object_object_add(o, "block", blk);
	json_object_object_add(o, "ssh_ports", json_object_new_string(s->ssh_ports));
	struct json_object *hooks = json_object_new_object();

	json_object_object_add(hooks, "tcp_listen",
			       json_object_new_string(tw_listen_hook_name(s->meta.listen_hook)));
	json_object_object_add(hooks, "udp_bind",
			       json_object_new_string(tw_listen_hook_name(s->meta.udp_hook)));
	json_object_object_add(o, "listen_hooks", hooks);
	long relays, procs;

	if (!tw_tor_client_summary(cli->pin_root, &relays, &procs)) {
		struct json_object *tc = json_object_new_object();

		json_object_object_add(tc, "relays", json_object_new_int64(relays));
		json_object_object_add(tc, "processes", json_object_new_int64(procs));
		json_object_object_add(o, "tor_client", tc);
	} else {
		json_object_object_add(o, "tor_client", NULL);
	}
	tw_cli_print_json(o, true);
}

static void print_text(const struct tw_cli *cli, const struct status *s)
{
	int64_t now = tw_now_unix();
	char t1[32], t2[32], age[32];

	if (s->alive) {
		tw_format_age(now - (int64_t)s->meta.started_at, age, sizeof(age));
		printf("daemon:      running (pid %u, up %s)\n", s->pid, age);
	} else if (s->meta.stopped_at) {
		iso((int64_t)s->meta.stopped_at, t1, sizeof(t1));
		tw_format_age(now - (int64_t)s->meta.stopped_at, age, sizeof(age));
		printf("daemon:      not running: stopped at %s (%s ago); XDP and the exit set stay as pinned, counting on\n",
		       t1, age);
	} else {
		/* Died without stopping (SIGKILL, a crash): its last heartbeat. */
		iso((int64_t)s->meta.heartbeat_at, t1, sizeof(t1));
		tw_format_age(now - (int64_t)s->meta.heartbeat_at, age, sizeof(age));
		printf("daemon:      not running: no daemon has tended this state since %s (%s ago; it did not stop cleanly); XDP and the exit set stay as pinned, counting on\n",
		       t1, age);
	}
	if (!s->alive && s->watched[0])
		printf("             still watched: %s; what they see waits in their pinned rings for the next start\n",
		       s->watched);
	if (s->meta.layout)
		printf("pinned by:   torwatch %.32s (layout %u)\n", s->meta.version, s->meta.layout);
	printf("pin root:    %s\n", cli->pin_root);
	printf("interfaces: ");
	for (__u32 i = 0; i < s->meta.n_ifaces && i < TW_MAX_IFACES; i++) {
		const struct tw_iface *ifc = &s->meta.ifaces[i];
		enum tw_xdp_mode m = tw_xdp_query_mode((int)ifc->ifindex);

		if (ifc->gone_since) {
			iso((int64_t)ifc->gone_since, t1, sizeof(t1));
			printf("%s %s (gone since %s; XDP is attached again when it comes back)",
			       i ? "," : "", ifc->name, t1);
		} else {
			printf("%s %s (XDP %s)", i ? "," : "", ifc->name,
			       m == TW_XDP_NONE ? "not attached" : tw_xdp_mode_name(m));
		}
	}
	printf("\nexit set:    %u IPv4 + %u IPv6 addresses, %u IPv4 + %u IPv6 prefixes\n",
	       s->meta.exact_v4, s->meta.exact_v6, s->meta.prefixes_v4, s->meta.prefixes_v6);
	iso((int64_t)s->meta.set_loaded_at, t1, sizeof(t1));
	iso((int64_t)s->meta.set_newest_data, t2, sizeof(t2));
	tw_format_age(now - (int64_t)s->meta.set_newest_data, age, sizeof(age));
	printf("             loaded %s in %llu us; newest data %s%s%s%s\n", t1,
	       (unsigned long long)s->meta.apply_usec, t2, s->meta.set_newest_data ? " (" : "",
	       s->meta.set_newest_data ? age : "", s->meta.set_newest_data ? " old)" : "");
	printf("sources:%s\n", s->meta.feed_stale ? "     the newest good data is STALE" : "");
	tw_sources_print_text(s->src, now, s->alive);
	if (s->has_alerts)
		printf("alerts:      %llu raised, %llu %s written, %llu could not be written, %llu held back by throttles, %llu folded into storm summaries\n",
		       (unsigned long long)s->alerts.emitted, (unsigned long long)s->alerts.written,
		       tw_plural(s->alerts.written, "line", "lines"),
		       (unsigned long long)s->alerts.failed, (unsigned long long)s->alerts.suppressed,
		       (unsigned long long)s->alerts.folded);
	if (s->history.runs) {
		const struct tw_history *h = &s->history;
		char since[32], last[32];

		iso((int64_t)h->since, since, sizeof(since));
		iso((int64_t)h->last_end, last, sizeof(last));
		printf("  before:    %llu earlier %s since %s (%llu ended without a clean stop; the last ended %s): %llu raised, %llu lost, %llu held back by throttles, %llu spooled, %llu delivered\n",
		       (unsigned long long)h->runs, tw_plural(h->runs, "daemon", "daemons"), since,
		       (unsigned long long)h->unclean, last, (unsigned long long)h->raised,
		       (unsigned long long)h->lost, (unsigned long long)h->suppressed,
		       (unsigned long long)h->spooled, (unsigned long long)h->delivered);
	}
	for (int i = 0; s->has_sinks && i < TW_MAX_SINKS && s->sinks[i].in_use; i++) {
		const struct tw_sink_stat *k = &s->sinks[i];

		bool later = strcmp(k->kind, "file") != 0;	/* the kinds that deliver later */

		/* A sink that delivers later accepts into its queue: only
		 * "delivered" means the receiver took it. */
		printf("  %s %s: %llu %s, %llu %s, %llu filtered", k->kind, k->name,
		       (unsigned long long)k->written, later ? "queued for delivery" : "written",
		       (unsigned long long)k->failed, later ? "could not be queued" : "could not be written",
		       (unsigned long long)k->filtered);
		if (later)
			printf("; %llu delivered, %llu failed %s retried, %llu rejected, %llu dropped, %llu too large, %llu spooled; %llu waiting in memory, %llu in the spool",
			       (unsigned long long)k->delivered, (unsigned long long)k->retried,
			       tw_plural(k->retried, "attempt", "attempts"),
			       (unsigned long long)k->rejected, (unsigned long long)k->dropped,
			       (unsigned long long)k->too_large, (unsigned long long)k->spooled,
			       (unsigned long long)k->queued, (unsigned long long)k->spool_pending);
		if (k->last_error[0]) {
			tw_format_age(now - (int64_t)k->last_error_at, age, sizeof(age));
			printf("; last error %s ago: %s", age, k->last_error);
		}
		printf("\n");
	}
	printf("kernel:      traffic events %llu sent, %llu lost; SSH events %llu sent, %llu lost\n",
	       (unsigned long long)s->events, (unsigned long long)s->lost,
	       (unsigned long long)s->ssh_events, (unsigned long long)s->ssh_lost);
	if (s->has_loop)
		tw_loop_stats_print(s->loop);
	printf("ssh ports:   %s\n", s->ssh_ports);
	printf("listeners:   TCP via %s, UDP via %s\n", tw_listen_hook_name(s->meta.listen_hook),
	       tw_listen_hook_name(s->meta.udp_hook));
	printf("block mode:  %s", tw_block_mode_name(s->block.mode));
	if (s->block.mode)
		printf(" (ports %s)", s->block.all ? "all" : s->block_ports);
	printf("\n");
	long relays, procs;

	if (!tw_tor_client_summary(cli->pin_root, &relays, &procs))
		printf("tor client:  connect() watched against %ld relay addresses and ports; %ld process(es) seen using Tor\n",
		       relays, procs);
	else
		printf("tor client:  off (no relay set pinned)\n");
}

int tw_cmd_status(int argc, char **argv)
{
	struct tw_cli cli = {};
	struct tw_pinned p;
	struct status s;
	int ret = tw_cli_parse_common(argc, argv, &cli, tw_status_usage, NULL, NULL, NULL);

	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 0, tw_status_usage))
		return 2;
	if (!tw_pins_exist(cli.pin_root)) {
		tw_cli_fail(&cli, "no daemon runs and nothing is pinned under %s; start one with 'torwatch run'",
			    cli.pin_root);
		return TW_EXIT_NOT_RUNNING;
	}
	ret = tw_cli_open(&cli, &p);
	if (ret)
		return ret;
	if (read_status(cli.pin_root, &p, &s)) {
		tw_pinned_close(&p);
		return tw_cli_fail(&cli, "cannot read the pinned metadata under %s", cli.pin_root);
	}
	if (cli.json)
		print_json(&cli, &s);
	else
		print_text(&cli, &s);
	json_object_put(s.watched_json);
	tw_pinned_close(&p);
	return s.alive ? 0 : TW_EXIT_NOT_RUNNING;
}
