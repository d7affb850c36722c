// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run': where results go: alert sinks, events_lost, geo databases, /metrics. */
#include "config/option_setters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const struct tw_option tw_outputs_options[] = {
	{ .name = "alerts", .arg = "SINK", .def = "-", .flags = LIST,
	  .set = add_alert_sink, .count = FIELD(n_alerts),
	  .help = "where alerts go (repeatable): '-' (stdout) or a file, as JSON lines;\n"
		  "syslog: (the local socket, or syslog:PATH), syslog+udp://HOST:PORT,\n"
		  "syslog+tcp://HOST:PORT (RFC 5424), webhook+http(s)://URL,\n"
		  "slack+https://URL, hec+http(s)://HOST:PORT, es+http(s)://HOST:PORT/INDEX" },
	{ .name = "loss-report-every", .arg = "DURATION", .def = "60s", .flags = RELOAD,
	  .set = tw_opt_set_duration, .field = FIELD(loss_report_s),
	  .help = "an events_lost alert at most this often, when a kernel\n"
		  "event or an alert was lost" },
	{ .name = "geoip", .arg = "FILE",
	  .set = tw_opt_set_string, .field = FIELD(geoip),
	  .help = "countries from FILE: an .mmdb (GeoLite2, DB-IP, ip-location-db)\n"
		  "or Tor's geoip file (geoip6 beside it); 'none' for no countries\n"
		  "(default: Tor's files in /usr/share/tor when tor-geoipdb is there)" },
	{ .name = "asn-db", .arg = "FILE",
	  .set = tw_opt_set_string, .field = FIELD(asn_db),
	  .help = "networks (source.as.number) from this .mmdb; default: none" },
	{ .name = "metrics-listen", .arg = "ADDR:PORT",
	  .set = set_metrics_listen,
	  .help = "serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		  "(e.g. 127.0.0.1:9477, [::1]:9477, :9477); default: off" },
	{ .name = "metrics-ports", .arg = "LIST", .def = TW_METRICS_PORTS_DEFAULT,
	  .set = tw_opt_set_port_set, .field = FIELD(metrics_ports),
	  .help = "ports that get a label of their own in the metrics;\n"
		  "the rest count as port=\"other\"" },
};
const size_t tw_n_outputs_options = sizeof(tw_outputs_options) / sizeof(tw_outputs_options[0]);
