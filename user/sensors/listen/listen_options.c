// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run' that the listen sensor reads: the expected
 * listeners and how repeats fold (the session sensor folds with the same
 * window). */
#include "sensors/listen/listen_sensor.h"

#include <stdio.h>
#include <stdlib.h>
#include "config/option_setters.h"

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

const struct tw_option tw_listen_options[] = {
	{ .name = "allowed-ports", .arg = "LIST", .def = "22,80,443,53", .flags = RELOAD,
	  .set = set_allowed_ports,
	  .help = "listening ports that raise no alert: ports, ranges, /tcp or\n"
		  "/udp" },
	{ .name = "ignore-loopback", .flags = RELOAD,
	  .set = tw_opt_set_bool, .field = FIELD(ignore_loopback),
	  .help = "no alert for listeners bound only to loopback" },
	{ .name = "dedup-window", .arg = "SECONDS", .def = "60", .flags = RELOAD,
	  .set = set_dedup_window,
	  .help = "fold repeats of the same listener (port, protocol,\n"
		  "executable), or of the same connection out of an SSH\n"
		  "session, into one alert with a count" },
};
const size_t tw_n_listen_options = sizeof(tw_listen_options) / sizeof(tw_listen_options[0]);
