// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "run_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pins.h"

void tw_run_usage(FILE *f)
{
	fprintf(f,
		"usage: torwatch run [-i IFACE]... [--feed FILE]... [--alerts PATH|-]\n"
		"                    [--xdp-mode auto|native|skb] [--pin-root DIR] [--state-dir DIR] [-v]\n"
		"  -i, --interface IFACE  attach XDP here (repeatable; default: the default route's)\n"
		"  --feed FILE            exit list, exit-addresses or plain format (repeatable;\n"
		"                         default: the cached last good set, else the shipped snapshot)\n"
		"  --alerts PATH          append alerts as JSON lines to PATH ('-' = stdout, default)\n"
		"  --xdp-mode MODE        auto (native, else skb with a warning), native or skb\n"
		"  --pin-root DIR         where maps and links are pinned (default %s)\n"
		"  --state-dir DIR        where the last good exit set is cached (default %s)\n"
		"  --max-exits N          room for N exact addresses per family (default %d)\n",
		TW_DEFAULT_PIN_ROOT, TW_DEFAULT_STATE_DIR, TW_DEFAULT_EXIT_ENTRIES);
}

int tw_run_opts_parse(int argc, char **argv, struct tw_run_opts *o, char *err, size_t errlen)
{
	enum { OPT_FEED = 256, OPT_ALERTS, OPT_XDP_MODE, OPT_PIN_ROOT, OPT_STATE_DIR, OPT_MAX_EXITS };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "feed", required_argument, NULL, OPT_FEED },
		{ "alerts", required_argument, NULL, OPT_ALERTS },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "pin-root", required_argument, NULL, OPT_PIN_ROOT },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "max-exits", required_argument, NULL, OPT_MAX_EXITS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->alerts = "-";
	o->pin_root = TW_DEFAULT_PIN_ROOT;
	o->state_dir = TW_DEFAULT_STATE_DIR;
	o->max_exits = TW_DEFAULT_EXIT_ENTRIES;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->n_ifaces == TW_MAX_IFACES) {
				snprintf(err, errlen, "at most %d interfaces", TW_MAX_IFACES);
				return -1;
			}
			if (strlen(optarg) >= TW_IFNAME_LEN || !*optarg) {
				snprintf(err, errlen, "'%.64s' is not a valid interface name", optarg);
				return -1;
			}
			o->ifaces[o->n_ifaces++] = optarg;
			break;
		case OPT_FEED:
			if (o->n_feeds == TW_MAX_SOURCES) {
				snprintf(err, errlen, "at most %d feeds", TW_MAX_SOURCES);
				return -1;
			}
			if (!*optarg) {
				snprintf(err, errlen, "--feed needs a file path");
				return -1;
			}
			o->feeds[o->n_feeds++] = optarg;
			break;
		case OPT_ALERTS:
			o->alerts = optarg;
			break;
		case OPT_XDP_MODE:
			if (!strcmp(optarg, "auto"))
				o->xdp_mode = TW_XDP_REQ_AUTO;
			else if (!strcmp(optarg, "native"))
				o->xdp_mode = TW_XDP_REQ_NATIVE;
			else if (!strcmp(optarg, "skb"))
				o->xdp_mode = TW_XDP_REQ_SKB;
			else {
				snprintf(err, errlen, "--xdp-mode must be auto, native or skb, not '%.32s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_PIN_ROOT:
			o->pin_root = optarg;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case OPT_MAX_EXITS: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || optarg[0] == '-' || n < TW_MIN_EXIT_ENTRIES || n > TW_MAX_EXIT_ENTRIES) {
				snprintf(err, errlen, "--max-exits must be a number from %d to %d, not '%.32s'",
					 TW_MIN_EXIT_ENTRIES, TW_MAX_EXIT_ENTRIES, optarg);
				return -1;
			}
			o->max_exits = (unsigned)n;
			break;
		}
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			return 1;
		case ':':
			snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option '%s' for 'run'", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.64s' for 'run'", argv[optind]);
		return -1;
	}
	for (size_t i = 0; i < o->n_ifaces; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(o->ifaces[i], o->ifaces[j])) {
				snprintf(err, errlen, "interface %s given twice", o->ifaces[i]);
				return -1;
			}
	return 0;
}
