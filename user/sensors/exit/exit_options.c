// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run' that the exit sensor reads: block mode at
 * start, the per-source alert limit, and the tunnel thresholds. */
#include "sensors/exit/exit_sensor.h"

#include <string.h>
#include "config/option_setters.h"

static int set_tunnel_window(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			     char *err, size_t errlen)
{
	unsigned s;

	if (!strcmp(v, "off")) {
		o->tunnel.window_ns = 0;
		return 0;
	}
	if (tw_opt_duration_value(&s, opt->name, v, err, errlen))
		return -1;
	o->tunnel.window_ns = (uint64_t)s * TW_NS_PER_SEC;
	return 0;
}

/* A whole number of struct tw_tunnel_config, 1 and up. */
static int set_tunnel_count(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			    char *err, size_t errlen)
{
	return tw_opt_count(tw_opt_field(o, opt), opt->name, v, 1, 65535, err, errlen);
}

/* 0 (never fold) and up. */
static int set_storm_limit(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			   char *err, size_t errlen)
{
	return tw_opt_count(tw_opt_field(o, opt), opt->name, v, 0, 1000000, err, errlen);
}

const struct tw_option tw_exit_options[] = {
	{ .name = "block",
	  .set = tw_opt_set_bool, .field = FIELD(block),
	  .help = "drop exit-node traffic to the SSH ports (stays on until\n"
		  "'torwatch block disable')" },
	{ .name = "source-alert-limit", .arg = "N", .def = "100", .flags = RELOAD,
	  .set = set_storm_limit, .field = FIELD(source_alert_limit),
	  .help = "tor_traffic and tor_blocked alerts (one per source) in a\n"
		  "source-alert-window; past N they fold into one\n"
		  "tor_source_storm alert at the end of the window (0: never fold)" },
	{ .name = "source-alert-window", .arg = "D", .def = "60s", .flags = RELOAD,
	  .set = tw_opt_set_duration, .field = FIELD(source_alert_window_s),
	  .help = "the window of source-alert-limit" },
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
};
const size_t tw_n_exit_options = sizeof(tw_exit_options) / sizeof(tw_exit_options[0]);
