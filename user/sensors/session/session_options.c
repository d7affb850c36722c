// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run' that the session sensor reads: what is sshd,
 * and which connections out of a session raise no alert. */
#include "sensors/session/session_sensor.h"

#include <stdio.h>
#include <string.h>
#include "config/option_setters.h"

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

const struct tw_option tw_session_options[] = {
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
};
const size_t tw_n_session_options = sizeof(tw_session_options) / sizeof(tw_session_options[0]);
