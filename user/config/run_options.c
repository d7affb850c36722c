// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The options of 'torwatch run', one table entry each, and their setters;
 * the keys of [source NAME] sections. run_opts.c makes the defaults, --help,
 * getopt, the config file and the reload rules from this table. */
#include "config/run_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "common/url.h"
#include "alerts/rules.h"
#include "config/builtin_sources.h"
#include "kernel/pins.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define FIELD(f) offsetof(struct tw_run_opts, f)

/* ---- shared setters: the field comes from the table ---- */

static void *field_of(struct tw_run_opts *o, const struct tw_option *opt)
{
	return (char *)o + opt->field;
}

static int set_bool_value(bool *b, const char *name, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		*b = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
		*b = false;
	else {
		snprintf(err, errlen, "%s must be yes or no, not '%.32s'", name, v);
		return -1;
	}
	return 0;
}

static int set_bool(struct tw_run_opts *o, const struct tw_option *opt, const char *v, char *err,
		    size_t errlen)
{
	return set_bool_value(field_of(o, opt), opt->name, v, err, errlen);
}

static int set_string(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
		      char *err, size_t errlen)
{
	*(const char **)field_of(o, opt) = v;
	return 0;
}

static int set_duration_value(unsigned *dst, const char *name, const char *v, char *err,
			      size_t errlen)
{
	unsigned s;

	if (tw_parse_duration(v, &s) || s < 1) {
		snprintf(err, errlen, "%s must be a duration of at least 1s (e.g. 90s, 40m, 48h, 2d), not '%.32s'",
			 name, v);
		return -1;
	}
	*dst = s;
	return 0;
}

/* A whole number from min to max. */
static int set_count(unsigned *dst, const char *name, const char *v, unsigned long min,
		     unsigned long max, char *err, size_t errlen)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*end || !*v || v[0] == '-' || n < min || n > max) {
		snprintf(err, errlen, "%s must be a number from %lu to %lu, not '%.32s'", name, min,
			 max, v);
		return -1;
	}
	*dst = (unsigned)n;
	return 0;
}

static int set_duration(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen)
{
	return set_duration_value(field_of(o, opt), opt->name, v, err, errlen);
}

/* A list of files (deny-file, allow-file): TW_MAX_LIST_FILES at most. */
static int add_list_file(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			 char *err, size_t errlen)
{
	const char **files = field_of(o, opt);
	size_t *n = (size_t *)((char *)o + opt->count);

	if (!*v) {
		snprintf(err, errlen, "%s needs a file path", opt->name);
		return -1;
	}
	if (*n == TW_MAX_LIST_FILES) {
		snprintf(err, errlen, "at most %d %ss", TW_MAX_LIST_FILES, opt->name);
		return -1;
	}
	files[(*n)++] = v;
	return 0;
}

/* ---- setters of one option each ---- */

static int set_interface(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			 char *err, size_t errlen)
{
	if (o->n_ifaces == TW_MAX_IFACES) {
		snprintf(err, errlen, "at most %d interfaces", TW_MAX_IFACES);
		return -1;
	}
	if (strlen(v) >= TW_IFNAME_LEN || !*v || strchr(v, '/') || strchr(v, ' ')) {
		snprintf(err, errlen, "'%.64s' is not a valid interface name", v);
		return -1;
	}
	for (size_t i = 0; i < o->n_ifaces; i++)
		if (!strcmp(o->ifaces[i], v)) {
			snprintf(err, errlen, "interface %s given twice", v);
			return -1;
		}
	o->ifaces[o->n_ifaces++] = v;
	return 0;
}

static int set_feed(struct tw_run_opts *o, const struct tw_option *opt, const char *v, char *err,
		    size_t errlen)
{
	if (o->n_feeds == TW_MAX_SOURCES) {
		snprintf(err, errlen, "at most %d feeds", TW_MAX_SOURCES);
		return -1;
	}
	if (!*v) {
		snprintf(err, errlen, "feed needs a URL or a file path");
		return -1;
	}
	o->feeds[o->n_feeds++] = v;
	return 0;
}

/* "none", or a comma list of built-in source names. */
static int set_sources(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
		       char *err, size_t errlen)
{
	char buf[512], *save, *tok;
	unsigned on = 0;

	if (!strcmp(v, "none")) {
		o->builtin_on = 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i = tw_builtin_find(tok);

		if (i < 0) {
			snprintf(err, errlen, "sources: unknown source '%.64s' (known: exit-addresses, bulk-exit-list, onionoo, dan-me-uk, or none)",
				 tok);
			return -1;
		}
		on |= 1u << i;
	}
	if (!on) {
		snprintf(err, errlen, "sources: name at least one source, or none");
		return -1;
	}
	o->builtin_on = on;
	return 0;
}

/* The built-ins that are on by default, as --help shows them. */
static void show_default_sources(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < tw_n_builtin_sources && used < len; i++)
		if (tw_builtin_sources[i].on_by_default)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 tw_builtin_sources[i].name);
}

static int set_xdp_mode(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen)
{
	static const char *const names[] = { "auto", "native", "skb" };

	for (int i = 0; i < 3; i++)
		if (!strcmp(v, names[i])) {
			o->xdp_mode = (enum tw_xdp_request)i;
			return 0;
		}
	snprintf(err, errlen, "xdp-mode must be auto, native or skb, not '%.32s'", v);
	return -1;
}

static int set_max_exits(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			 char *err, size_t errlen)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*end || v[0] == '-' || !*v || n < TW_MIN_EXIT_ENTRIES || n > TW_MAX_EXIT_ENTRIES) {
		snprintf(err, errlen, "max-exits must be a number from %d to %d, not '%.32s'",
			 TW_MIN_EXIT_ENTRIES, TW_MAX_EXIT_ENTRIES, v);
		return -1;
	}
	o->max_exits = (unsigned)n;
	return 0;
}

static int set_max_body(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	unsigned shift = 0;

	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (end == v || *end || v[0] == '-' || !n || n > (4ULL << 30) >> shift) {
		snprintf(err, errlen, "max-body must be a size from 1 byte to 4G (e.g. 512K, 32M), not '%.32s'", v);
		return -1;
	}
	o->max_body = (size_t)(n << shift);
	return 0;
}

static int set_max_shrink(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			  char *err, size_t errlen)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*end == '%')
		end++;
	if (*end || !*v || v[0] == '-' || n > 100) {
		snprintf(err, errlen, "max-shrink must be a share from 0 to 100 (%%), not '%.32s'", v);
		return -1;
	}
	o->max_shrink_pct = (unsigned)n;
	return 0;
}

/* "V4,V6": the shortest prefix lengths a fetched list may give. */
static int set_widest_prefix(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			     char *err, size_t errlen)
{
	unsigned v4, v6;
	int used = -1;

	if (sscanf(v, "%u,%u%n", &v4, &v6, &used) != 2 || used != (int)strlen(v) || !v4 ||
	    v4 > 32 || !v6 || v6 > 128) {
		snprintf(err, errlen,
			 "feed-widest-prefix must be two prefix lengths, IPv4 (1-32) and IPv6 (1-128), as in 24,48, not '%.32s'",
			 v);
		return -1;
	}
	o->widest_v4 = v4;
	o->widest_v6 = v6;
	return 0;
}

/* A port list into the struct tw_port_set the table's field names. */
static int set_port_set(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen)
{
	char why[160];

	if (tw_port_list_parse(v, field_of(o, opt), why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", opt->name, why);
		return -1;
	}
	return 0;
}

static int set_allowed_ports(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			     char *err, size_t errlen)
{
	char why[160];

	if (tw_port_list_parse_proto(v, &o->allowed_tcp, &o->allowed_udp, why, sizeof(why))) {
		snprintf(err, errlen, "allowed-ports: %s", why);
		return -1;
	}
	return 0;
}

static int set_tunnel_window(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			     char *err, size_t errlen)
{
	unsigned s;

	if (!strcmp(v, "off")) {
		o->tunnel.window_ns = 0;
		return 0;
	}
	if (set_duration_value(&s, opt->name, v, err, errlen))
		return -1;
	o->tunnel.window_ns = (uint64_t)s * TW_NS_PER_SEC;
	return 0;
}

/* A whole number of struct tw_tunnel_config, 1 and up. */
static int set_tunnel_count(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			    char *err, size_t errlen)
{
	return set_count(field_of(o, opt), opt->name, v, 1, 65535, err, errlen);
}

/* ADDR:PORT, [V6]:PORT or :PORT; the address itself is judged at bind. */
static int set_metrics_listen(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			      char *err, size_t errlen)
{
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;

	if (!colon || !colon[1] || *end || !port || port > 65535 ||
	    (v[0] == '[' && colon[-1] != ']')) {
		snprintf(err, errlen, "metrics-listen takes ADDR:PORT (e.g. 127.0.0.1:9477, [::1]:9477, :9477), not '%.64s'",
			 v);
		return -1;
	}
	o->metrics_listen = v;
	return 0;
}

static int set_dedup_window(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			    char *err, size_t errlen)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*end || !*v || v[0] == '-' || n > 86400) {
		snprintf(err, errlen, "dedup-window must be seconds from 0 to 86400, not '%.32s'", v);
		return -1;
	}
	o->dedup_window_s = (unsigned)n;
	return 0;
}

/* Elastic's rule 63431796 (Network Connection Initiated by SSHD Child
 * Process): the destinations it leaves out, private, reserved and
 * documentation ranges. */
#define EGRESS_EXCLUDE_DEFAULT \
	"10.0.0.0/8,127.0.0.0/8,169.254.0.0/16,172.16.0.0/12,192.0.0.0/24,192.0.0.0/29," \
	"192.0.0.8/32,192.0.0.9/32,192.0.0.10/32,192.0.0.170/32,192.0.0.171/32," \
	"192.0.2.0/24,192.31.196.0/24,192.52.193.0/24,192.168.0.0/16,192.88.99.0/24," \
	"224.0.0.0/4,100.64.0.0/10,192.175.48.0/24,198.18.0.0/15,198.51.100.0/24," \
	"203.0.113.0/24,240.0.0.0/4,::1,fe80::/10,ff00::/8,172.31.0.0/16"

static int set_egress_exclude(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			      char *err, size_t errlen)
{
	const size_t max = sizeof(o->egress_exclude) / sizeof(o->egress_exclude[0]);
	char copy[2048], *save, *tok;
	const char *why;

	o->n_egress_exclude = 0;
	if (!strcmp(v, "none"))
		return 0;
	if (strlen(v) >= sizeof(copy)) {
		snprintf(err, errlen, "egress-exclude is too long (at most %zu prefixes)", max);
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", v);
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (o->n_egress_exclude == max) {
			snprintf(err, errlen, "egress-exclude takes at most %zu prefixes", max);
			return -1;
		}
		if (tw_prefix_parse(tok, &o->egress_exclude[o->n_egress_exclude], &why)) {
			snprintf(err, errlen, "egress-exclude '%.64s': %s", tok, why);
			return -1;
		}
		o->n_egress_exclude++;
	}
	if (!o->n_egress_exclude) {
		snprintf(err, errlen, "egress-exclude needs prefixes, or 'none'");
		return -1;
	}
	return 0;
}

static int set_sshd_names(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			  char *err, size_t errlen)
{
	const size_t max = sizeof(o->sshd_names) / sizeof(o->sshd_names[0]);
	char copy[256], *save, *tok;

	o->n_sshd_names = 0;
	snprintf(copy, sizeof(copy), "%s", v);
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (o->n_sshd_names == max || strlen(tok) >= sizeof(o->sshd_names[0]) ||
		    strchr(tok, '/')) {
			snprintf(err, errlen, "sshd-names takes at most %zu executable names (no path) of up to 15 characters, as the kernel keeps them; not '%.64s'",
				 max, tok);
			return -1;
		}
		snprintf(o->sshd_names[o->n_sshd_names++], sizeof(o->sshd_names[0]), "%s", tok);
	}
	if (!o->n_sshd_names) {
		snprintf(err, errlen, "sshd-names needs at least one name");
		return -1;
	}
	return 0;
}

static int set_allow(struct tw_run_opts *o, const struct tw_option *opt, const char *v, char *err,
		     size_t errlen)
{
	const char *why;

	if (o->n_allow == TW_MAX_ALLOW) {
		snprintf(err, errlen, "at most %d allowlist entries", TW_MAX_ALLOW);
		return -1;
	}
	if (tw_prefix_parse(v, &o->allow[o->n_allow], &why)) {
		snprintf(err, errlen, "allow '%.64s': %s", v, why);
		return -1;
	}
	o->n_allow++;
	return 0;
}

static int add_alert_sink(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			  char *err, size_t errlen)
{
	if (!*v) {
		snprintf(err, errlen, "alerts needs '-', a file path or a sink URL");
		return -1;
	}
	if (o->n_alerts == TW_MAX_SINKS) {
		snprintf(err, errlen, "at most %d alert sinks", TW_MAX_SINKS);
		return -1;
	}
	o->alerts[o->n_alerts++] = v;
	return 0;
}

/* -c, -v and --help are read by the parser itself. */
static int set_verbose(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
		       char *err, size_t errlen)
{
	o->verbose = true;
	return 0;
}

/* ---- the table ---- */

#define LIST TW_OPT_LIST
#define RELOAD TW_OPT_RELOAD
#define CLI_ONLY TW_OPT_CLI_ONLY

const struct tw_option tw_run_options[] = {
	{ .name = "config", .letter = 'c', .arg = "FILE", .flags = CLI_ONLY,
	  .help = "read these settings from FILE ([run] section, same names);\n"
		  "the command line overrides it" },
	{ .name = "interface", .letter = 'i', .arg = "IFACE", .flags = LIST,
	  .set = set_interface, .count = FIELD(n_ifaces),
	  .help = "attach XDP here (repeatable; default: the default route's)" },
	{ .name = "sources", .arg = "LIST",
	  .set = set_sources, .show_default = show_default_sources,
	  .help = "built-in exit lists to fetch: exit-addresses, bulk-exit-list,\n"
		  "onionoo, dan-me-uk, or none" },
	{ .name = "feed", .arg = "URL|FILE", .flags = LIST,
	  .set = set_feed, .count = FIELD(n_feeds),
	  .help = "one more exit list, plain or exit-addresses (repeatable);\n"
		  "with no data at all: the shipped " TW_SNAPSHOT_DATE " snapshot" },
	{ .name = "deny-file", .arg = "FILE", .flags = LIST,
	  .set = add_list_file, .field = FIELD(deny_files), .count = FIELD(n_deny_files),
	  .help = "addresses/CIDRs treated as exit nodes (repeatable)" },
	{ .name = "allow-file", .arg = "FILE", .flags = LIST,
	  .set = add_list_file, .field = FIELD(allow_files), .count = FIELD(n_allow_files),
	  .help = "addresses/CIDRs never matched (repeatable); both files are\n"
		  "re-read when they change and on SIGHUP" },
	{ .name = "feed-interval", .arg = "D", .def = "30m",
	  .set = set_duration, .field = FIELD(feed_interval_s),
	  .help = "how often --feed URLs are fetched" },
	{ .name = "expire-after", .arg = "D", .def = "48h", .flags = RELOAD,
	  .set = set_duration, .field = FIELD(expire_s),
	  .help = "fetched entries no longer listed leave after D" },
	{ .name = "max-shrink", .arg = "PCT", .def = "50", .flags = RELOAD,
	  .set = set_max_shrink,
	  .help = "refuse a list more than PCT% smaller than the last" },
	{ .name = "feed-widest-prefix", .arg = "V4,V6", .def = "24,48", .flags = RELOAD,
	  .set = set_widest_prefix,
	  .help = "refuse a fetched list that gives a prefix wider than /V4\n"
		  "(IPv4) or /V6 (IPv6); wider ones only in --deny-file" },
	{ .name = "stale-after", .arg = "D", .def = "6h", .flags = RELOAD,
	  .set = set_duration, .field = FIELD(stale_after_s),
	  .help = "feed_stale alert when the newest good data is older" },
	{ .name = "connect-timeout", .arg = "D", .def = "10s", .flags = RELOAD,
	  .set = set_duration, .field = FIELD(connect_timeout_s),
	  .help = "connecting to a feed server, per download" },
	{ .name = "fetch-timeout", .arg = "D", .def = "60s", .flags = RELOAD,
	  .set = set_duration, .field = FIELD(fetch_timeout_s),
	  .help = "a whole download" },
	{ .name = "retry-min", .arg = "D", .def = "60s", .flags = RELOAD,
	  .set = set_duration, .field = FIELD(retry_min_s),
	  .help = "first retry after a failed fetch; doubles" },
	{ .name = "max-body", .arg = "SIZE", .def = "32M", .flags = RELOAD,
	  .set = set_max_body,
	  .help = "largest list accepted, after gzip" },
	{ .name = "ca-file", .arg = "FILE", .flags = RELOAD,
	  .set = set_string, .field = FIELD(ca_file),
	  .help = "trust these CAs for HTTPS feeds (default: the system's)" },
	{ .name = "alerts", .arg = "SINK", .def = "-", .flags = LIST,
	  .set = add_alert_sink, .count = FIELD(n_alerts),
	  .help = "where alerts go (repeatable): '-' (stdout) or a file, as JSON lines;\n"
		  "syslog: (the local socket, or syslog:PATH), syslog+udp://HOST:PORT,\n"
		  "syslog+tcp://HOST:PORT (RFC 5424), webhook+http(s)://URL,\n"
		  "slack+https://URL, hec+http(s)://HOST:PORT, es+http(s)://HOST:PORT/INDEX" },
	{ .name = "xdp-mode", .arg = "auto|native|skb", .def = "auto",
	  .set = set_xdp_mode,
	  .help = "auto (native, else skb with a warning), native or skb" },
	{ .name = "pin-root", .arg = "DIR", .def = TW_DEFAULT_PIN_ROOT,
	  .set = set_string, .field = FIELD(pin_root),
	  .help = "where maps and links are pinned" },
	{ .name = "group", .arg = "GROUP", .def = "torwatch-read",
	  .set = set_string, .field = FIELD(group),
	  .help = "members of GROUP may read the pinned state: status, stats,\n"
		  "check, feed show, block show ('none': root's alone)" },
	{ .name = "keep-on-stop",
	  .set = set_bool, .field = FIELD(keep_on_stop),
	  .help = "at SIGINT/SIGTERM leave XDP, the exit set and block mode in\n"
		  "place, counting on, for the next start to adopt (the service\n"
		  "does); without it a stop removes everything" },
	{ .name = "state-dir", .arg = "DIR", .def = "/var/lib/torwatch",
	  .set = set_string, .field = FIELD(state_dir),
	  .help = "where the last good exit lists are cached" },
	{ .name = "max-exits", .arg = "N", .def = STR(TW_DEFAULT_EXIT_ENTRIES),
	  .set = set_max_exits,
	  .help = "room for N exact addresses per family" },
	{ .name = "ssh-ports", .arg = "LIST", .def = "22", .flags = RELOAD,
	  .set = set_port_set, .field = FIELD(ssh_ports),
	  .help = "ports whose connections from exit nodes raise ssh_from_tor\n"
		  "(e.g. 22,2222)" },
	{ .name = "block",
	  .set = set_bool, .field = FIELD(block),
	  .help = "drop exit-node traffic to the SSH ports (stays on until\n"
		  "'torwatch block disable')" },
	{ .name = "allow", .arg = "ADDR[/LEN]", .flags = LIST | RELOAD,
	  .set = set_allow, .count = FIELD(n_allow),
	  .help = "never drop or alert on this address or prefix (repeatable)" },
	{ .name = "allowed-ports", .arg = "LIST", .def = "22,80,443,53", .flags = RELOAD,
	  .set = set_allowed_ports,
	  .help = "listening ports that raise no alert: ports, ranges, /tcp or\n"
		  "/udp" },
	{ .name = "ignore-loopback", .flags = RELOAD,
	  .set = set_bool, .field = FIELD(ignore_loopback),
	  .help = "no alert for listeners bound only to loopback" },
	{ .name = "dedup-window", .arg = "SECONDS", .def = "60", .flags = RELOAD,
	  .set = set_dedup_window,
	  .help = "fold repeats of the same listener (port, protocol,\n"
		  "executable), or of the same connection out of an SSH\n"
		  "session, into one alert with a count" },
	{ .name = "sshd-names", .arg = "LIST", .def = "sshd,sshd-session,sshd-auth",
	  .set = set_sshd_names,
	  .help = "executable names that are sshd: a connection handed to one\n"
		  "starts a followed SSH session (OpenSSH 9.8+ runs sshd-session)" },
	{ .name = "egress-exclude", .arg = "LIST", .def = EGRESS_EXCLUDE_DEFAULT, .flags = RELOAD,
	  .set = set_egress_exclude,
	  .help = "destinations whose connections from SSH sessions raise no\n"
		  "sshd_child_egress: prefixes, or none" },
	{ .name = "egress-forwarding", .arg = "yes|no", .def = "yes", .flags = RELOAD,
	  .set = set_bool, .field = FIELD(egress_forwarding),
	  .help = "report connections made by a session's sshd itself (TCP\n"
		  "forwarding, ssh -L/-D)" },
	{ .name = "loss-report-every", .arg = "DURATION", .def = "60s", .flags = RELOAD,
	  .set = set_duration, .field = FIELD(loss_report_s),
	  .help = "an events_lost alert at most this often, when a kernel\n"
		  "event or an alert was lost" },
	{ .name = "verbose", .letter = 'v', .flags = CLI_ONLY,
	  .set = set_verbose,
	  .help = "log libbpf's and our debug lines" },
	{ .name = "tunnel-window", .arg = "D", .def = "60s", .flags = RELOAD,
	  .set = set_tunnel_window,
	  .help = "the window of tunnel detection per exit source; 'off' turns\n"
		  "tor_icmp_tunnel and tor_dns_tunnel off" },
	{ .name = "icmp-tunnel-payload", .arg = "BYTES", .def = "800", .flags = RELOAD,
	  .set = set_tunnel_count, .field = FIELD(tunnel.icmp_payload),
	  .help = "an ICMP packet from an exit node with more payload is large\n"
		  "(Snort's large ICMP packet: 800)" },
	{ .name = "icmp-tunnel-packets", .arg = "N", .def = "10", .flags = RELOAD,
	  .set = set_tunnel_count, .field = FIELD(tunnel.icmp_large),
	  .help = "large ICMP packets from one exit node in a window that raise\n"
		  "tor_icmp_tunnel" },
	{ .name = "dns-tunnel-name", .arg = "CHARS", .def = "90", .flags = RELOAD,
	  .set = set_tunnel_count, .field = FIELD(tunnel.dns_name),
	  .help = "a DNS query name from an exit node longer than this is long\n"
		  "(Zeek's anomalous DNS: 90)" },
	{ .name = "dns-tunnel-queries", .arg = "N", .def = "10", .flags = RELOAD,
	  .set = set_tunnel_count, .field = FIELD(tunnel.dns_long),
	  .help = "queries with long names from one exit node in a window that\n"
		  "raise tor_dns_tunnel" },
	{ .name = "geoip", .arg = "FILE",
	  .set = set_string, .field = FIELD(geoip),
	  .help = "countries from FILE: an .mmdb (GeoLite2, DB-IP, ip-location-db)\n"
		  "or Tor's geoip file (geoip6 beside it); 'none' for no countries\n"
		  "(default: Tor's files in /usr/share/tor when tor-geoipdb is there)" },
	{ .name = "asn-db", .arg = "FILE",
	  .set = set_string, .field = FIELD(asn_db),
	  .help = "networks (source.as.number) from this .mmdb; default: none" },
	{ .name = "metrics-listen", .arg = "ADDR:PORT",
	  .set = set_metrics_listen,
	  .help = "serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		  "(e.g. 127.0.0.1:9477, [::1]:9477, :9477); default: off" },
	{ .name = "metrics-ports", .arg = "LIST", .def = TW_METRICS_PORTS_DEFAULT,
	  .set = set_port_set, .field = FIELD(metrics_ports),
	  .help = "ports that get a label of their own in the metrics;\n"
		  "the rest count as port=\"other\"" },
	{ .name = "check-config", .flags = CLI_ONLY,
	  .set = set_bool, .field = FIELD(check_config),
	  .help = "parse the command line and the config file, say what is\n"
		  "wrong or 'ok', and exit without loading anything" },
	{ .name = "help", .letter = 'h', .flags = CLI_ONLY,
	  .help = "this text" },
};

const size_t tw_n_run_options = sizeof(tw_run_options) / sizeof(tw_run_options[0]);
_Static_assert(sizeof(tw_run_options) / sizeof(tw_run_options[0]) <= TW_MAX_RUN_OPTIONS,
	       "room in tw_run_opts.given for every option");

int tw_run_opts_set_source(struct tw_run_opts *o, const char *source, const char *key,
			   const char *v, char *err, size_t errlen)
{
	struct tw_source_conf *c = NULL;

	for (size_t i = 0; i < o->n_source_conf; i++)
		if (!strcmp(o->source_conf[i].name, source))
			c = &o->source_conf[i];
	if (!c) {
		if (o->n_source_conf == TW_MAX_SOURCES) {
			snprintf(err, errlen, "at most %d [source] sections", TW_MAX_SOURCES);
			return -1;
		}
		if (!*source || strlen(source) >= 64) {
			snprintf(err, errlen, "a source needs a name of 1 to 63 characters");
			return -1;
		}
		c = &o->source_conf[o->n_source_conf++];
		*c = (struct tw_source_conf){ .name = source, .enabled = -1, .format = -1 };
	}
	if (!strcmp(key, "enabled")) {
		bool b;

		if (set_bool_value(&b, key, v, err, errlen))
			return -1;
		c->enabled = b;
	} else if (!strcmp(key, "url")) {
		if (!tw_is_feed_url(v)) {
			snprintf(err, errlen, "url must start with http:// or https://, not '%.64s'", v);
			return -1;
		}
		c->url = v;
	} else if (!strcmp(key, "interval")) {
		if (set_duration_value(&c->interval_s, key, v, err, errlen))
			return -1;
	} else if (!strcmp(key, "format")) {
		if (!strcmp(v, "text"))
			c->format = TW_FEED_PLAIN;
		else if (!strcmp(v, "onionoo"))
			c->format = TW_FEED_ONIONOO;
		else {
			snprintf(err, errlen, "format must be text (plain or exit-addresses) or onionoo, not '%.32s'", v);
			return -1;
		}
	} else {
		snprintf(err, errlen, "unknown source setting '%.64s' (enabled, url, interval, format)", key);
		return -1;
	}
	return 0;
}

int tw_run_opts_set_sink(struct tw_run_opts *o, const char *sink, const char *key, const char *v,
			 char *err, size_t errlen)
{
	static const char *const levels[] = { "low", "medium", "high", "critical" };
	struct tw_sink_conf *c = NULL;

	for (size_t i = 0; i < o->n_sink_conf; i++)
		if (!strcmp(o->sink_conf[i].name, sink))
			c = &o->sink_conf[i];
	if (!c) {
		if (o->n_sink_conf == TW_MAX_SINKS) {
			snprintf(err, errlen, "at most %d [sink] sections", TW_MAX_SINKS);
			return -1;
		}
		if (!*sink || strlen(sink) >= 64) {
			snprintf(err, errlen, "a sink needs a name of 1 to 63 characters");
			return -1;
		}
		c = &o->sink_conf[o->n_sink_conf++];
		*c = (struct tw_sink_conf){ .name = sink };
	}
	if (!strcmp(key, "url")) {
		if (!*v) {
			snprintf(err, errlen, "url needs '-', a file path or a sink URL");
			return -1;
		}
		c->url = v;
	} else if (!strcmp(key, "min-severity")) {
		for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (!strcmp(v, levels[i])) {
				c->min_severity = v;
				return 0;
			}
		snprintf(err, errlen, "min-severity must be low, medium, high or critical, not '%.32s'", v);
		return -1;
	} else if (!strcmp(key, "rules")) {
		if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyz_,") != strlen(v)) {
			snprintf(err, errlen, "rules must be rule ids separated by commas (e.g. ssh_from_tor,unexpected_listen_port), not '%.64s'", v);
			return -1;
		}
		c->rules = v;
	} else if (!strcmp(key, "token")) {
		c->token = v;
	} else if (!strcmp(key, "token-file")) {
		c->token_file = v;
	} else if (!strcmp(key, "header")) {
		const char *colon = strchr(v, ':');

		if (!colon || colon == v || strpbrk(v, "\r\n") || strlen(v) >= 256 ||
		    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
			    (size_t)(colon - v)) {
			snprintf(err, errlen, "header must be 'Name: value' on one line, under 256 characters, not '%.64s'", v);
			return -1;
		}
		if (c->n_headers == sizeof(c->headers) / sizeof(c->headers[0])) {
			snprintf(err, errlen, "at most %zu header lines per sink",
				 sizeof(c->headers) / sizeof(c->headers[0]));
			return -1;
		}
		c->headers[c->n_headers++] = v;
	} else if (!strcmp(key, "basic-auth-file")) {
		c->basic_auth_file = v;
	} else if (!strcmp(key, "queue-size")) {
		return set_count(&c->queue_size, key, v, 1, 1000000, err, errlen);
	} else if (!strcmp(key, "timeout")) {
		if (set_duration_value(&c->timeout_s, key, v, err, errlen))
			return -1;
	} else if (!strcmp(key, "spool-size")) {
		return set_count(&c->spool_mb, "spool-size (MiB)", v, 1, 65536, err, errlen);
	} else if (!strcmp(key, "spool")) {
		bool b;

		if (set_bool_value(&b, key, v, err, errlen))
			return -1;
		c->no_spool = !b;
	} else {
		snprintf(err, errlen, "unknown sink setting '%.64s' (url, min-severity, rules, token, token-file, header, basic-auth-file, queue-size, timeout, spool, spool-size)",
			 key);
		return -1;
	}
	return 0;
}

int tw_run_opts_set_throttle(struct tw_run_opts *o, const char *rule, const char *key,
			     const char *v, char *err, size_t errlen)
{
	const size_t max = sizeof(o->throttle_conf) / sizeof(o->throttle_conf[0]);
	struct tw_throttle_conf *c = NULL;

	for (size_t i = 0; i < o->n_throttle_conf; i++)
		if (!strcmp(o->throttle_conf[i].rule, rule))
			c = &o->throttle_conf[i];
	if (!c) {
		if (!tw_rule_find(rule)) {
			snprintf(err, errlen, "[throttle %.48s]: no rule is called that", rule);
			return -1;
		}
		if (o->n_throttle_conf == max) {
			snprintf(err, errlen, "at most %zu [throttle] sections", max);
			return -1;
		}
		c = &o->throttle_conf[o->n_throttle_conf++];
		*c = (struct tw_throttle_conf){ .rule = rule, .count = -1 };
	}
	if (!strcmp(key, "key")) {
		if (!*v || strlen(v) >= 48 ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyz_.") != strlen(v)) {
			snprintf(err, errlen, "key must be an alert field such as source.ip or destination.port, not '%.64s'", v);
			return -1;
		}
		c->key = v;
	} else if (!strcmp(key, "window")) {
		return set_duration_value(&c->window_s, key, v, err, errlen);
	} else if (!strcmp(key, "count")) {
		unsigned n;

		if (set_count(&n, key, v, 0, 1000000, err, errlen))
			return -1;
		c->count = (int)n;
	} else {
		snprintf(err, errlen, "unknown throttle setting '%.64s' (key, window, count; count = 0 turns it off)",
			 key);
		return -1;
	}
	return 0;
}
