// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run': what the sensors read: the SSH ports and block mode (exit, ssh), the
 * allowlist, the expected listeners (listen), the sshd sessions (session),
 * the tunnel thresholds (exit). */
#include "config/option_setters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const struct tw_option tw_sensors_options[] = {
	{ .name = "ssh-ports", .arg = "LIST", .def = "22", .flags = RELOAD,
	  .set = tw_opt_set_port_set, .field = FIELD(ssh_ports),
	  .help = "ports whose connections from exit nodes raise ssh_from_tor\n"
		  "(e.g. 22,2222)" },
	{ .name = "block",
	  .set = tw_opt_set_bool, .field = FIELD(block),
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
	  .set = tw_opt_set_bool, .field = FIELD(ignore_loopback),
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
	  .set = tw_opt_set_bool, .field = FIELD(egress_forwarding),
	  .help = "report connections made by a session's sshd itself (TCP\n"
		  "forwarding, ssh -L/-D)" },
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
const size_t tw_n_sensors_options = sizeof(tw_sensors_options) / sizeof(tw_sensors_options[0]);
