// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch top: a live view of the pinned counters, refreshed every second:
 * exit traffic per second, drops, the busiest sources (country, bytes per
 * packet), ports, and the daemon's last alerts. On a terminal it draws a
 * screen (alternate screen, redrawn on resize, 'q' or Ctrl-C quits); on
 * anything else it writes one plain line per interval. */
#include <bpf/bpf.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "alerts/ecs.h"
#include "common/utf8.h"
#include "cli/cli.h"
#include "cli/traffic_table.h"
#include "common/addr.h"
#include "common/timeutil.h"
#include "geo/geo.h"
#include "kernel/counters.h"
#include "metrics/by_geo.h"
#include "tw_status.h"
#include "common/plural.h"

const char tw_top_usage[] =
	"usage: torwatch top [--interval SECONDS] [--geoip FILE] [--pin-root DIR]\n"
	"  a live view: exit traffic per second, drops, top sources with country and\n"
	"  bytes per packet, top ports, recent alerts; q or Ctrl-C quits. When stdout\n"
	"  is not a terminal, one plain line per interval instead. A daemon that\n"
	"  pins its state anew is followed; when the state is removed, top ends\n"
	"  saying so, with exit status 3.\n";

/* The id of the counters map pinned under root now; 0 when none is. */
static __u32 pinned_counters_id(const char *root)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), id = 0;
	int fd = tw_pin_open_ro(root, TW_PIN_NAME(counters));

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		id = info.id;
	close(fd);
	return id;
}

static volatile sig_atomic_t quit, resized;

static void on_quit(int sig)
{
	quit = 1;
}

static void on_winch(int sig)
{
	resized = 1;
}

/* One look at the counters. */
struct sample {
	uint64_t mono_ns;
	struct tw_counters c;
	struct tw_table sources, ports;
};

static int take(const struct tw_pinned *p, struct sample *s)
{
	__u32 zero = 0;
	int ret;

	memset(s, 0, sizeof(*s));
	s->mono_ns = tw_now_mono_ns();
	tw_percpu_sum(p->counters, &zero, &s->c, sizeof(s->c));
	ret = tw_read_sources(p, &s->sources);
	if (!ret)
		ret = tw_read_ports(p, &s->ports);
	return ret;
}

static void drop(struct sample *s)
{
	free(s->sources.rows);
	free(s->ports.rows);
	memset(s, 0, sizeof(*s));
}

static int by_addr(const void *a, const void *b)
{
	return memcmp(&((const struct tw_row *)a)->src.addr, &((const struct tw_row *)b)->src.addr,
		      sizeof(struct tw_in6));
}

static int by_port(const void *a, const void *b)
{
	return memcmp(&((const struct tw_row *)a)->port, &((const struct tw_row *)b)->port,
		      sizeof(struct tw_port_key));
}

/* Each row's packets and bytes become those since prev (same key). */
static void to_rates(struct tw_table *now, const struct tw_table *prev,
		     int (*cmp)(const void *, const void *))
{
	for (size_t i = 0; i < now->n; i++) {
		const struct tw_row *was = prev->n ? bsearch(&now->rows[i], prev->rows, prev->n,
							     sizeof(*prev->rows), cmp) : NULL;

		if (was && was->packets <= now->rows[i].packets) {
			now->rows[i].packets -= was->packets;
			now->rows[i].bytes -= was->bytes;
		}
	}
	tw_table_sort(now, tw_rows_by_packets);
}

/* The screen: lines cut to the width, as many as the height allows. */
struct screen {
	FILE *f;
	int width, height, line;
};

static void put(struct screen *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (s->line >= s->height)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((int)strlen(buf) > s->width)
		buf[s->width > 0 ? s->width : 0] = '\0';
	fprintf(s->f, "%s\033[K\r\n", buf);
	s->line++;
}

static double per_s(uint64_t v, double secs)
{
	return secs > 0 ? (double)v / secs : 0;
}

static void recent_alerts(struct screen *s, const char *root, int rows)
{
	struct tw_recent_alert r[TW_RECENT_ALERTS] = {};
	int fd = tw_pin_open_ro(root, TW_PIN_NAME(recent_alerts)), shown = 0;
	uint64_t newest = 0;

	for (__u32 i = 0; fd >= 0 && i < TW_RECENT_ALERTS; i++)
		if (!bpf_map_lookup_elem(fd, &i, &r[i]) && r[i].number > newest)
			newest = r[i].number;
	if (fd >= 0)
		close(fd);
	put(s, "recent alerts");
	for (uint64_t n = newest; n && shown < rows && newest - n < TW_RECENT_ALERTS; n--) {
		const struct tw_recent_alert *a = &r[n % TW_RECENT_ALERTS];
		char t[40];

		if (a->number != n)
			break;
		char sev[sizeof(a->severity) * 4], rule[sizeof(a->rule) * 4], msg[sizeof(a->message) * 4];

		tw_format_iso8601_ns((int64_t)a->at_ns, t, sizeof(t));
		/* Messages carry process names: nothing in them drives the terminal. */
		tw_escape_controls(a->severity, sev, sizeof(sev));
		tw_escape_controls(a->rule, rule, sizeof(rule));
		tw_escape_controls(a->message, msg, sizeof(msg));
		put(s, "  %.8s  %-8.8s %-22.22s %.300s", t + 11, sev, rule, msg);
		shown++;
	}
	if (!shown)
		put(s, "  (none since the daemon started)");
}

/* Tor used from this host: the processes the Tor client sensor counted. */
static void tor_clients_line(struct screen *s, const char *root)
{
	struct tw_tor_client_row *rows;
	unsigned long long total = 0;
	size_t n;

	if (tw_read_tor_clients(root, &rows, &n))
		return;
	for (size_t i = 0; i < n; i++)
		total += rows[i].count.connections;
	if (n)
		put(s, "Tor used from this host: %zu process(es), %llu connection(s); most: %s (%llu%s)",
		    n, total, rows[0].key.comm, (unsigned long long)rows[0].count.connections,
		    rows[0].key.allowed ? ", allowed" : "");
	else
		put(s, "Tor used from this host: none seen");
	free(rows);
}

static void draw(struct screen *s, const struct tw_cli *cli, const struct sample *now,
		 const struct sample *prev, const struct tw_geo *geo)
{
	double secs = (double)(now->mono_ns - prev->mono_ns) / TW_NS_PER_SEC;
	const __u64 *c = now->c.c, *p = prev->c.c;
	uint32_t pid;
	char t[40], pb[8], addr[TW_ADDR_STRLEN];
	int room, n;

	tw_format_iso8601(tw_now_unix(), t, sizeof(t));
	fputs("\033[H", s->f);
	s->line = 0;
	put(s, "torwatch top  %s  %s  %.19s  (q quits)", cli->pin_root,
	    tw_daemon_alive(cli->pin_root, &pid) ? "daemon running" : "NO DAEMON", t);
	put(s, "exit nodes: %.1f pkt/s  %.1f kB/s   dropped %.1f/s (dry run %.1f/s)   all: %.1f pkt/s",
	    per_s(c[TW_CNT_EXIT_PACKETS] - p[TW_CNT_EXIT_PACKETS], secs),
	    per_s(c[TW_CNT_EXIT_BYTES] - p[TW_CNT_EXIT_BYTES], secs) / 1000,
	    per_s(c[TW_CNT_DROPPED] - p[TW_CNT_DROPPED], secs),
	    per_s(c[TW_CNT_WOULD_DROP] - p[TW_CNT_WOULD_DROP], secs),
	    per_s(c[TW_CNT_PACKETS] - p[TW_CNT_PACKETS], secs));
	put(s, "totals: %llu %s, %llu %s from %zu exit %s; %llu dropped",
	    (unsigned long long)c[TW_CNT_EXIT_PACKETS], tw_plural(c[TW_CNT_EXIT_PACKETS], "packet", "packets"),
	    (unsigned long long)c[TW_CNT_EXIT_BYTES], tw_plural(c[TW_CNT_EXIT_BYTES], "byte", "bytes"),
	    now->sources.n, tw_plural(now->sources.n, "source", "sources"),
	    (unsigned long long)c[TW_CNT_DROPPED]);
	tor_clients_line(s, cli->pin_root);
	put(s, "");
	/* What is left of the height: sources get half, ports and alerts a quarter each. */
	room = s->height - s->line - 6;
	put(s, "%-40s %9s %10s %6s %-3s %12s", "top sources", "pkt/s", "B/s", "B/pkt", "cc",
	    "packets");
	n = 0;
	for (size_t i = 0; i < now->sources.n && n < (room > 4 ? room / 2 : 1); i++, n++) {
		const struct tw_row *r = &now->sources.rows[i];
		struct tw_prefix a;
		char cc[3];
		const char *country;

		tw_prefix_from_in6(r->src.addr.addr, &a);
		tw_prefix_format(&a, addr, sizeof(addr));
		country = tw_geo_country_of(geo, a.family, a.addr, cc);
		put(s, "  %-38s %9.1f %10.0f %6llu %-3s %12llu", addr, per_s(r->packets, secs),
		    per_s(r->bytes, secs), (unsigned long long)(r->packets ? r->bytes / r->packets : 0),
		    country ? country : "--", (unsigned long long)r->total);
	}
	put(s, "");
	put(s, "%-40s %9s %10s %12s", "top ports", "pkt/s", "B/s", "packets");
	n = 0;
	for (size_t i = 0; i < now->ports.n && n < (room > 8 ? room / 4 : 1); i++, n++) {
		const struct tw_row *r = &now->ports.rows[i];

		snprintf(addr, sizeof(addr), "%u/%s", r->port.port,
			 tw_proto_name(r->port.proto, pb, sizeof(pb)));
		put(s, "  %-38s %9.1f %10.0f %12llu", addr, per_s(r->packets, secs),
		    per_s(r->bytes, secs), (unsigned long long)r->total);
	}
	put(s, "");
	recent_alerts(s, cli->pin_root, room > 8 ? room / 4 : 1);
	fputs("\033[J", s->f);
	fflush(s->f);
}

/* Not a terminal: one line per interval, for logs and pipes. */
static void line(const struct tw_cli *cli, const struct sample *now, const struct sample *prev,
		 const struct tw_geo *geo)
{
	double secs = (double)(now->mono_ns - prev->mono_ns) / TW_NS_PER_SEC;
	char t[40], addr[TW_ADDR_STRLEN] = "-", cc[3] = "";

	tw_format_iso8601(tw_now_unix(), t, sizeof(t));
	if (now->sources.n && now->sources.rows[0].packets) {
		struct tw_prefix a;

		tw_prefix_from_in6(now->sources.rows[0].src.addr.addr, &a);
		tw_prefix_format(&a, addr, sizeof(addr));
		if (!tw_geo_country_of(geo, a.family, a.addr, cc))
			cc[0] = '\0';
	}
	printf("%s exit_pps=%.1f exit_Bps=%.0f dropped_ps=%.1f sources=%zu top=%s%s%s top_pps=%.1f\n", t,
	       per_s(now->c.c[TW_CNT_EXIT_PACKETS] - prev->c.c[TW_CNT_EXIT_PACKETS], secs),
	       per_s(now->c.c[TW_CNT_EXIT_BYTES] - prev->c.c[TW_CNT_EXIT_BYTES], secs),
	       per_s(now->c.c[TW_CNT_DROPPED] - prev->c.c[TW_CNT_DROPPED], secs), now->sources.n,
	       addr, cc[0] ? "/" : "", cc,
	       now->sources.n ? per_s(now->sources.rows[0].packets, secs) : 0.0);
	fflush(stdout);
}

static void screen_size(struct screen *s)
{
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		s->width = ws.ws_col;
		s->height = ws.ws_row;
	} else {
		s->width = 80;
		s->height = 24;
	}
}

static int on_top_opt(int opt, const char *arg, void *ctx)
{
	if (opt == 'G') {
		((const char **)ctx)[1] = arg;
		return 0;
	}
	((const char **)ctx)[0] = arg;
	return 0;
}

const struct option tw_top_options[] = {
	{ "interval", required_argument, NULL, 'n' },
	{ "geoip", required_argument, NULL, 'G' },
	{},
};

int tw_cmd_top(int argc, char **argv)
{
	const char *args[2] = { NULL, NULL };	/* --interval, --geoip */
	struct tw_cli cli = {};
	struct tw_pinned p;
	struct tw_geo *geo = NULL;
	struct sample now, prev;
	struct screen scr = { .f = stdout };
	struct termios saved;
	bool tty = isatty(STDOUT_FILENO), keys = tty && isatty(STDIN_FILENO);
	unsigned interval_ms = 1000;
	int ret = tw_cli_parse_common(argc, argv, &cli, tw_top_usage, tw_top_options, on_top_opt, args);

	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 0, tw_top_usage))
		return 2;
	if (args[0]) {
		char *end;
		double v = strtod(args[0], &end);

		if (*end || v < 0.1 || v > 3600)
			return tw_cli_fail(&cli, "--interval takes seconds from 0.1 to 3600, not '%.32s'",
					   args[0]);
		interval_ms = (unsigned)(v * 1000);
	}
	ret = tw_cli_open(&cli, &p);
	if (ret)
		return ret;
	ret = tw_stats_geo_open(&cli, &p, args[1], NULL, &geo);
	if (ret) {
		tw_pinned_close(&p);
		return ret;
	}
	struct sigaction sa = { .sa_handler = on_quit }, sw = { .sa_handler = on_winch };

	/* No SA_RESTART: a signal ends the wait at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGWINCH, &sw, NULL);
	if (keys) {
		struct termios raw;

		tcgetattr(STDIN_FILENO, &saved);
		raw = saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	if (tty) {
		fputs("\033[?1049h\033[?25l\033[H\033[2J", stdout);
		screen_size(&scr);
	}
	__u32 pinned_id = pinned_counters_id(cli.pin_root);
	bool gone = false;

	ret = take(&p, &prev);
	if (!ret) {
		tw_table_sort(&prev.sources, by_addr);
		tw_table_sort(&prev.ports, by_port);
	}
	while (!ret && !quit) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		uint64_t due = prev.mono_ns + (uint64_t)interval_ms * 1000000ULL;

		/* Wait out the interval, awake for a key or a resize. */
		while (!quit && !resized && tw_now_mono_ns() < due) {
			int wait_ms = (int)((due - tw_now_mono_ns()) / 1000000ULL) + 1;
			char k;

			if (poll(&pfd, keys ? 1 : 0, wait_ms) > 0 && read(STDIN_FILENO, &k, 1) == 1 &&
			    (k == 'q' || k == 'Q' || k == 3))
				quit = 1;
		}
		if (quit)
			break;
		if (resized) {
			resized = 0;
			screen_size(&scr);
			fputs("\033[2J", stdout);
			if (tw_now_mono_ns() < due)
				continue;	/* redrawn at the interval */
		}
		/* Our fds keep removed maps alive: never show their old figures. */
		__u32 id = pinned_counters_id(cli.pin_root);

		if (!id) {
			gone = true;
			break;
		}
		if (id != pinned_id) {	/* a new daemon's state: start over on it */
			char err[512];

			tw_pinned_close(&p);
			ret = tw_pinned_open(cli.pin_root, &p, false, err, sizeof(err));
			if (ret)
				break;
			pinned_id = id;
			drop(&prev);
			ret = take(&p, &prev);
			tw_table_sort(&prev.sources, by_addr);
			tw_table_sort(&prev.ports, by_port);
			continue;
		}
		ret = take(&p, &now);
		if (ret)
			break;
		struct tw_table srcs = now.sources, ports = now.ports;
		struct sample keep = now;

		/* Rates come from copies; the totals stay for the next round. */
		now.sources.rows = malloc((srcs.n + 1) * sizeof(struct tw_row));
		now.ports.rows = malloc((ports.n + 1) * sizeof(struct tw_row));
		if (!now.sources.rows || !now.ports.rows) {
			free(now.sources.rows);
			free(now.ports.rows);
			drop(&keep);
			ret = -ENOMEM;
			break;
		}
		memcpy(now.sources.rows, srcs.rows, srcs.n * sizeof(struct tw_row));
		memcpy(now.ports.rows, ports.rows, ports.n * sizeof(struct tw_row));
		to_rates(&now.sources, &prev.sources, by_addr);
		to_rates(&now.ports, &prev.ports, by_port);
		if (tty)
			draw(&scr, &cli, &now, &prev, geo);
		else
			line(&cli, &now, &prev, geo);
		free(now.sources.rows);
		free(now.ports.rows);
		drop(&prev);
		prev = keep;
		tw_table_sort(&prev.sources, by_addr);
		tw_table_sort(&prev.ports, by_port);
	}
	drop(&prev);
	if (tty)
		fputs("\033[?25h\033[?1049l", stdout);
	if (keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	tw_geo_close(geo);
	tw_pinned_close(&p);
	if (gone) {
		fprintf(stderr, "torwatch: the state under %s is gone (removed by the daemon as it stopped, or by unload); top ends\n",
			cli.pin_root);
		return TW_EXIT_NOT_RUNNING;
	}
	if (ret)
		return tw_cli_fail(&cli, "cannot read the counters: %s", strerror(-ret));
	return 0;
}
