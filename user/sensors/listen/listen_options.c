// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run' that the listen sensor reads: the expected
 * listeners and how repeats fold (the session sensor folds with the same
 * window). */
#include "sensors/listen/listen_sensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Sets turned into ranges: a published container port is a few of them. */
static int add_ranges(struct tw_container_ports *c, const struct tw_port_set *set, bool tcp,
		      char *err, size_t errlen)
{
	for (unsigned port = 1; port < 65536; port++) {
		unsigned hi = port;

		if (!tw_port_set_has(set, (uint16_t)port))
			continue;
		while (hi + 1 < 65536 && tw_port_set_has(set, (uint16_t)(hi + 1)))
			hi++;
		if (c->n == TW_CONTAINER_PORT_RANGES) {
			snprintf(err, errlen, "container-allowed-ports: at most %d ports or ranges per container",
				 TW_CONTAINER_PORT_RANGES);
			return -1;
		}
		c->r[c->n++] = (typeof(c->r[0])){ (uint16_t)port, (uint16_t)hi, tcp, !tcp };
		port = hi;
	}
	return 0;
}

static int set_container_ports(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			       char *err, size_t errlen)
{
	static struct tw_port_set tcp, udp;
	const char *colon = strchr(v, ':');
	struct tw_container_ports *c;
	char why[160];

	if (!colon || colon == v || (size_t)(colon - v) >= sizeof(c->container)) {
		snprintf(err, errlen, "container-allowed-ports takes NAME:LIST (a container's name or id, e.g. web:8080,8443/tcp), not '%.64s'",
			 v);
		return -1;
	}
	if (o->n_container_ports == TW_MAX_CONTAINER_PORTS) {
		snprintf(err, errlen, "at most %d containers with ports of their own", TW_MAX_CONTAINER_PORTS);
		return -1;
	}
	if (tw_port_list_parse_proto(colon + 1, &tcp, &udp, why, sizeof(why))) {
		snprintf(err, errlen, "container-allowed-ports: %s", why);
		return -1;
	}
	c = &o->container_ports[o->n_container_ports];
	memset(c, 0, sizeof(*c));
	snprintf(c->container, sizeof(c->container), "%.*s", (int)(colon - v), v);
	if (add_ranges(c, &tcp, true, err, errlen) || add_ranges(c, &udp, false, err, errlen))
		return -1;
	o->n_container_ports++;
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
	{ .name = "container-allowed-ports", .arg = "NAME:LIST", .flags = RELOAD | LIST,
	  .set = set_container_ports, .count = FIELD(n_container_ports),
	  .help = "listening ports that raise no alert in one container\n"
		  "(its name, or 12+ hex digits of its id): a published port\n"
		  "(repeatable)" },
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
