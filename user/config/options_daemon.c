// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run': the daemon's own options: the config file, the interfaces, XDP, the pin
 * root and its readers, the state dir, the maps' size. */
#include "config/option_setters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/pin_root.h"

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
	/* The same name twice is refused for every list (run_opts.c). */
	o->ifaces[o->n_ifaces++] = v;
	return 0;
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

const struct tw_option tw_daemon_options[] = {
	{ .name = "config", .letter = 'c', .arg = "FILE", .flags = CLI_ONLY,
	  .help = "read these settings from FILE ([run] section, same names);\n"
		  "the command line overrides it" },
	{ .name = "interface", .letter = 'i', .arg = "IFACE", .flags = LIST,
	  .set = set_interface, .count = FIELD(n_ifaces),
	  .help = "attach XDP here (repeatable; default: the default route's)" },
	{ .name = "xdp-mode", .arg = "auto|native|skb", .def = "auto",
	  .set = set_xdp_mode,
	  .help = "auto (native, else skb with a warning), native or skb" },
	{ .name = "pin-root", .arg = "DIR", .def = TW_DEFAULT_PIN_ROOT,
	  .set = tw_opt_set_string, .field = FIELD(pin_root),
	  .help = "where maps and links are pinned" },
	{ .name = "group", .arg = "GROUP", .def = "torwatch-read",
	  .set = tw_opt_set_string, .field = FIELD(group),
	  .help = "members of GROUP may read the pinned state: status, stats,\n"
		  "check, feed show, block show ('none': root's alone)" },
	{ .name = "keep-on-stop",
	  .set = tw_opt_set_bool, .field = FIELD(keep_on_stop),
	  .help = "at SIGINT/SIGTERM leave XDP, the exit set and block mode in\n"
		  "place, counting on, for the next start to adopt (the service\n"
		  "does); without it a stop removes everything" },
	{ .name = "realtime-loop", .arg = "yes|no", .def = "yes",
	  .set = tw_opt_set_bool, .field = FIELD(realtime_loop),
	  .help = "run the event loop in the real-time class (SCHED_RR 1), so\n"
		  "that a kernel event is handled ahead of busy processes; a\n"
		  "run of more than 500 ms without sleeping moves it back" },
	{ .name = "state-dir", .arg = "DIR", .def = "/var/lib/torwatch",
	  .set = tw_opt_set_string, .field = FIELD(state_dir),
	  .help = "where the last good exit lists are cached" },
	{ .name = "max-exits", .arg = "N", .def = STR(TW_DEFAULT_EXIT_ENTRIES),
	  .set = set_max_exits,
	  .help = "room for N exact addresses per family (256 bytes of kernel memory each)" },
};
const size_t tw_n_daemon_options = sizeof(tw_daemon_options) / sizeof(tw_daemon_options[0]);
