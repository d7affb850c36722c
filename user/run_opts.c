// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "run_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "listen_policy.h"
#include "pins.h"

void tw_run_usage(FILE *f)
{
	fprintf(f,
		"usage: torwatch run [-c FILE] [-i IFACE]... [--feed FILE]... [--alerts PATH|-]\n"
		"                    [--xdp-mode auto|native|skb] [--pin-root DIR] [--state-dir DIR]\n"
		"                    [--max-exits N] [--ssh-ports LIST] [--block] [--allow ADDR]...\n"
		"                    [--allowed-ports LIST] [--ignore-loopback] [--dedup-window S] [-v]\n"
		"  -c, --config FILE      read these settings from FILE ([run] section, same names);\n"
		"                         the command line overrides it\n"
		"  -i, --interface IFACE  attach XDP here (repeatable; default: the default route's)\n"
		"  --feed FILE            exit list, exit-addresses or plain format (repeatable;\n"
		"                         default: the cached last good set, else the shipped snapshot)\n"
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
		TW_DEFAULT_PIN_ROOT, TW_DEFAULT_STATE_DIR, TW_DEFAULT_EXIT_ENTRIES,
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
			snprintf(err, errlen, "feed needs a file path");
			return -1;
		}
		o->feeds[o->n_feeds++] = v;
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
	bool cli_ifaces = false, cli_feeds = false, cli_allow = false;
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
		if (tw_run_opts_set(o, name, optarg ? optarg : "yes", err, errlen))
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.64s' for 'run'", argv[optind]);
		return -1;
	}
	return 0;
}
