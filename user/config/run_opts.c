// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "config/run_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "common/url.h"
#include "config/builtin_sources.h"
#include "config/config_file.h"
#include "kernel/pins.h"

void tw_run_usage(FILE *f)
{
	fprintf(f,
		"usage: torwatch run [-c FILE] [-i IFACE]... [--feed URL|FILE]... [--alerts PATH|-]\n"
		"                    [--xdp-mode auto|native|skb] [--pin-root DIR] [--state-dir DIR]\n"
		"                    [--max-exits N] [--ssh-ports LIST] [--block] [--allow ADDR]...\n"
		"                    [--allowed-ports LIST] [--ignore-loopback] [--dedup-window S]\n"
		"                    [--sources LIST|none] [--deny-file F]... [--allow-file F]...\n"
		"                    [--feed-interval D] [--expire-after D] [--max-shrink PCT]\n"
		"                    [--stale-after D] [--connect-timeout D] [--fetch-timeout D]\n"
		"                    [--retry-min D] [--max-body SIZE] [--ca-file F] [-v]\n"
		"  -c, --config FILE      read these settings from FILE ([run] section, same names);\n"
		"                         the command line overrides it\n"
		"  -i, --interface IFACE  attach XDP here (repeatable; default: the default route's)\n"
		"  --sources LIST         built-in exit lists to fetch: exit-addresses, bulk-exit-list,\n"
		"                         onionoo, dan-me-uk, or none (default: the first three)\n"
		"  --feed URL|FILE        one more exit list, plain or exit-addresses (repeatable);\n"
		"                         with no data at all: the shipped %s snapshot\n"
		"  --deny-file FILE       addresses/CIDRs treated as exit nodes (repeatable)\n"
		"  --allow-file FILE      addresses/CIDRs never matched (repeatable); both files are\n"
		"                         re-read when they change and on SIGHUP\n"
		"  --feed-interval D      how often --feed URLs are fetched (default 30m)\n"
		"  --expire-after D       fetched entries no longer listed leave after D (default 48h)\n"
		"  --max-shrink PCT       refuse a list more than PCT%% smaller than the last (default 50)\n"
		"  --stale-after D        feed_stale alert when the newest good data is older (default 6h)\n"
		"  --connect-timeout D, --fetch-timeout D   per download (default 10s, 60s)\n"
		"  --retry-min D          first retry after a failed fetch; doubles (default 60s)\n"
		"  --max-body SIZE        largest list accepted, after gzip (default 32M)\n"
		"  --ca-file FILE         trust these CAs for HTTPS feeds (default: the system's)\n"
		"  --alerts PATH          append alerts as JSON lines to PATH ('-' = stdout, default)\n"
		"  --xdp-mode MODE        auto (native, else skb with a warning), native or skb\n"
		"  --pin-root DIR         where maps and links are pinned (default %s)\n"
		"  --state-dir DIR        where the last good exit set is cached (default %s)\n"
		"  --max-exits N          room for N exact addresses per family (default %d)\n"
		"  --ssh-ports LIST       ports whose connections from exit nodes raise ssh_from_tor\n"
		"                         (default 22; e.g. 22,2222)\n"
		"  --block                drop exit-node traffic to the SSH ports (stays on until\n"
		"                         'torwatch block disable')\n"
		"  --allow ADDR[/LEN]     never drop or alert on this address or prefix (repeatable)\n"
		"  --allowed-ports LIST   listening ports that raise no alert: ports, ranges, /tcp or\n"
		"                         /udp (default %s)\n"
		"  --ignore-loopback      no alert for listeners bound only to loopback\n"
		"  --dedup-window SECONDS fold repeats of the same listener (port, protocol,\n"
		"                         executable) into one alert with a count (default %d)\n",
		TW_SNAPSHOT_DATE, TW_DEFAULT_PIN_ROOT, TW_DEFAULT_STATE_DIR, TW_DEFAULT_EXIT_ENTRIES,
		TW_DEFAULT_ALLOWED_PORTS, TW_DEFAULT_DEDUP_WINDOW_S);
}

void tw_run_opts_defaults(struct tw_run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->alerts = "-";
	o->pin_root = TW_DEFAULT_PIN_ROOT;
	o->state_dir = TW_DEFAULT_STATE_DIR;
	o->max_exits = TW_DEFAULT_EXIT_ENTRIES;
	o->ssh_ports.w[22 >> 6] = 1ULL << (22 & 63);
	o->dedup_window_s = TW_DEFAULT_DEDUP_WINDOW_S;
	for (unsigned i = 0; i < tw_n_builtin_sources; i++)
		if (tw_builtin_sources[i].on_by_default)
			o->builtin_on |= 1u << i;
	o->feed_interval_s = TW_DEFAULT_FEED_INTERVAL_S;
	o->expire_s = TW_DEFAULT_EXPIRE_S;
	o->max_shrink_pct = TW_DEFAULT_MAX_SHRINK_PCT;
	o->stale_after_s = TW_DEFAULT_STALE_AFTER_S;
	o->connect_timeout_s = TW_DEFAULT_CONNECT_TIMEOUT_S;
	o->fetch_timeout_s = TW_DEFAULT_FETCH_TIMEOUT_S;
	o->retry_min_s = TW_DEFAULT_RETRY_MIN_S;
	o->max_body = TW_DEFAULT_MAX_BODY;
	tw_port_list_parse_proto(TW_DEFAULT_ALLOWED_PORTS, &o->allowed_tcp, &o->allowed_udp, NULL, 0);
}

void tw_run_opts_free(struct tw_run_opts *o)
{
	for (size_t i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	free(o->owned);
	o->owned = NULL;
	o->n_owned = 0;
}

static int set_bool(bool *b, const char *name, const char *v, char *err, size_t errlen)
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

static int set_xdp_mode(struct tw_run_opts *o, const char *v, char *err, size_t errlen)
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

static int set_max_exits(struct tw_run_opts *o, const char *v, char *err, size_t errlen)
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

static int set_duration(unsigned *dst, const char *name, const char *v, unsigned min,
			char *err, size_t errlen)
{
	unsigned s;

	if (tw_parse_duration(v, &s) || s < min) {
		snprintf(err, errlen, "%s must be a duration of at least %us (e.g. 90s, 40m, 48h, 2d), not '%.32s'",
			 name, min, v);
		return -1;
	}
	*dst = s;
	return 0;
}

static int set_max_body(struct tw_run_opts *o, const char *v, char *err, size_t errlen)
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

/* "none", or a comma list of built-in source names. */
static int set_sources(struct tw_run_opts *o, const char *v, char *err, size_t errlen)
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

static int add_list_file(const char **files, size_t *n, const char *name, const char *v,
			 char *err, size_t errlen)
{
	if (!*v) {
		snprintf(err, errlen, "%s needs a file path", name);
		return -1;
	}
	if (*n == TW_MAX_LIST_FILES) {
		snprintf(err, errlen, "at most %d %ss", TW_MAX_LIST_FILES, name);
		return -1;
	}
	files[(*n)++] = v;
	return 0;
}

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

		if (set_bool(&b, key, v, err, errlen))
			return -1;
		c->enabled = b;
	} else if (!strcmp(key, "url")) {
		if (!tw_is_feed_url(v)) {
			snprintf(err, errlen, "url must start with http:// or https://, not '%.64s'", v);
			return -1;
		}
		c->url = v;
	} else if (!strcmp(key, "interval")) {
		return set_duration(&c->interval_s, key, v, 1, err, errlen);
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

int tw_run_opts_set(struct tw_run_opts *o, const char *name, const char *v, char *err,
		    size_t errlen)
{
	if (!strcmp(name, "interface")) {
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
	} else if (!strcmp(name, "feed")) {
		if (o->n_feeds == TW_MAX_SOURCES) {
			snprintf(err, errlen, "at most %d feeds", TW_MAX_SOURCES);
			return -1;
		}
		if (!*v) {
			snprintf(err, errlen, "feed needs a URL or a file path");
			return -1;
		}
		o->feeds[o->n_feeds++] = v;
	} else if (!strcmp(name, "sources")) {
		return set_sources(o, v, err, errlen);
	} else if (!strcmp(name, "deny-file")) {
		return add_list_file(o->deny_files, &o->n_deny_files, name, v, err, errlen);
	} else if (!strcmp(name, "allow-file")) {
		return add_list_file(o->allow_files, &o->n_allow_files, name, v, err, errlen);
	} else if (!strcmp(name, "feed-interval")) {
		return set_duration(&o->feed_interval_s, name, v, 1, err, errlen);
	} else if (!strcmp(name, "expire-after")) {
		return set_duration(&o->expire_s, name, v, 1, err, errlen);
	} else if (!strcmp(name, "stale-after")) {
		return set_duration(&o->stale_after_s, name, v, 1, err, errlen);
	} else if (!strcmp(name, "connect-timeout")) {
		return set_duration(&o->connect_timeout_s, name, v, 1, err, errlen);
	} else if (!strcmp(name, "fetch-timeout")) {
		return set_duration(&o->fetch_timeout_s, name, v, 1, err, errlen);
	} else if (!strcmp(name, "retry-min")) {
		return set_duration(&o->retry_min_s, name, v, 1, err, errlen);
	} else if (!strcmp(name, "max-body")) {
		return set_max_body(o, v, err, errlen);
	} else if (!strcmp(name, "ca-file")) {
		o->ca_file = v;
	} else if (!strcmp(name, "max-shrink")) {
		char *end;
		unsigned long n = strtoul(v, &end, 10);

		if (*end == '%')
			end++;
		if (*end || !*v || v[0] == '-' || n > 100) {
			snprintf(err, errlen, "max-shrink must be a share from 0 to 100 (%%), not '%.32s'", v);
			return -1;
		}
		o->max_shrink_pct = (unsigned)n;
	} else if (!strcmp(name, "alerts")) {
		o->alerts = v;
	} else if (!strcmp(name, "xdp-mode")) {
		return set_xdp_mode(o, v, err, errlen);
	} else if (!strcmp(name, "pin-root")) {
		o->pin_root = v;
	} else if (!strcmp(name, "state-dir")) {
		o->state_dir = v;
	} else if (!strcmp(name, "max-exits")) {
		return set_max_exits(o, v, err, errlen);
	} else if (!strcmp(name, "ssh-ports")) {
		char why[160];

		if (tw_port_list_parse(v, &o->ssh_ports, why, sizeof(why))) {
			snprintf(err, errlen, "ssh-ports: %s", why);
			return -1;
		}
	} else if (!strcmp(name, "block")) {
		return set_bool(&o->block, name, v, err, errlen);
	} else if (!strcmp(name, "ignore-loopback")) {
		return set_bool(&o->ignore_loopback, name, v, err, errlen);
	} else if (!strcmp(name, "allowed-ports")) {
		char why[160];

		if (tw_port_list_parse_proto(v, &o->allowed_tcp, &o->allowed_udp, why, sizeof(why))) {
			snprintf(err, errlen, "allowed-ports: %s", why);
			return -1;
		}
	} else if (!strcmp(name, "dedup-window")) {
		char *end;
		unsigned long n = strtoul(v, &end, 10);

		if (*end || !*v || v[0] == '-' || n > 86400) {
			snprintf(err, errlen, "dedup-window must be seconds from 0 to 86400, not '%.32s'", v);
			return -1;
		}
		o->dedup_window_s = (unsigned)n;
	} else if (!strcmp(name, "allow")) {
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
	} else {
		snprintf(err, errlen, "unknown setting '%.64s'", name);
		return -1;
	}
	return 0;
}

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "interface", required_argument, NULL, 'i' },
	{ "feed", required_argument, NULL, 0 },
	{ "alerts", required_argument, NULL, 0 },
	{ "xdp-mode", required_argument, NULL, 0 },
	{ "pin-root", required_argument, NULL, 0 },
	{ "state-dir", required_argument, NULL, 0 },
	{ "max-exits", required_argument, NULL, 0 },
	{ "ssh-ports", required_argument, NULL, 0 },
	{ "block", no_argument, NULL, 0 },
	{ "allow", required_argument, NULL, 0 },
	{ "allowed-ports", required_argument, NULL, 0 },
	{ "ignore-loopback", no_argument, NULL, 0 },
	{ "dedup-window", required_argument, NULL, 0 },
	{ "sources", required_argument, NULL, 0 },
	{ "deny-file", required_argument, NULL, 0 },
	{ "allow-file", required_argument, NULL, 0 },
	{ "feed-interval", required_argument, NULL, 0 },
	{ "expire-after", required_argument, NULL, 0 },
	{ "max-shrink", required_argument, NULL, 0 },
	{ "stale-after", required_argument, NULL, 0 },
	{ "connect-timeout", required_argument, NULL, 0 },
	{ "fetch-timeout", required_argument, NULL, 0 },
	{ "retry-min", required_argument, NULL, 0 },
	{ "max-body", required_argument, NULL, 0 },
	{ "ca-file", required_argument, NULL, 0 },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

/* Pass one: only -c, so that the file is read before the options that override it. */
static int find_config(int argc, char **argv, const char **path)
{
	int c;

	*path = NULL;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:i:vh", longopts, NULL)) != -1) {
		if (c == 'c')
			*path = optarg;
		else if (c == 'h')
			return 1;
	}
	return 0;
}

int tw_run_opts_parse(int argc, char **argv, struct tw_run_opts *o, char *err, size_t errlen)
{
	bool cli_ifaces = false, cli_feeds = false, cli_allow = false, cli_deny_files = false,
	     cli_allow_files = false;
	const char *config;
	int c, idx, ret;

	tw_run_opts_defaults(o);
	ret = find_config(argc, argv, &config);
	if (ret)
		return ret;
	if (config && tw_config_load(config, o, err, errlen))
		return -1;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:i:vh", longopts, &idx)) != -1) {
		const char *name = c == 'i' ? "interface" : c == 0 ? longopts[idx].name : NULL;

		if (c == 'c')
			continue;
		if (c == 'v') {
			o->verbose = true;
			continue;
		}
		if (c == ':') {
			snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
			return -1;
		}
		if (!name) {
			snprintf(err, errlen, "unknown option '%s' for 'run'", argv[optind - 1]);
			return -1;
		}
		/* Lists given on the command line replace those of the config file. */
		if (!strcmp(name, "interface") && !cli_ifaces) {
			o->n_ifaces = 0;
			cli_ifaces = true;
		}
		if (!strcmp(name, "feed") && !cli_feeds) {
			o->n_feeds = 0;
			cli_feeds = true;
		}
		if (!strcmp(name, "allow") && !cli_allow) {
			o->n_allow = 0;
			cli_allow = true;
		}
		if (!strcmp(name, "deny-file") && !cli_deny_files) {
			o->n_deny_files = 0;
			cli_deny_files = true;
		}
		if (!strcmp(name, "allow-file") && !cli_allow_files) {
			o->n_allow_files = 0;
			cli_allow_files = true;
		}
		if (tw_run_opts_set(o, name, optarg ? optarg : "yes", err, errlen))
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.64s' for 'run'", argv[optind]);
		return -1;
	}
	return 0;
}
