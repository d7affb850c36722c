// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run' that the Tor client sensor reads: the relay
 * lists, the local proxy ports, and the executables that may use Tor. */
#include "sensors/torclient/torclient_sensor.h"

#include <stdio.h>
#include <string.h>
#include "common/url.h"
#include "config/option_setters.h"
#include "sensors/torclient/relay_feed.h"
#include "tw_tor_client.h"

static int set_allowed_exe(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			   char *err, size_t errlen)
{
	const size_t max = sizeof(o->tor_allowed_exe) / sizeof(o->tor_allowed_exe[0]);
	char copy[1024], *save, *tok;

	o->n_tor_allowed_exe = 0;
	if (!strcmp(v, "none"))
		return 0;
	snprintf(copy, sizeof(copy), "%s", v);
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (o->n_tor_allowed_exe == max || tok[0] != '/' ||
		    strlen(tok) >= sizeof(o->tor_allowed_exe[0])) {
			snprintf(err, errlen, "tor-allowed-exe takes at most %zu absolute paths of up to %zu characters, or none; not '%.64s'",
				 max, sizeof(o->tor_allowed_exe[0]) - 1, tok);
			return -1;
		}
		snprintf(o->tor_allowed_exe[o->n_tor_allowed_exe++], sizeof(o->tor_allowed_exe[0]),
			 "%s", tok);
	}
	return 0;
}

static int set_relay_sources(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			     char *err, size_t errlen)
{
	if (strcmp(v, "onionoo") && strcmp(v, "none")) {
		snprintf(err, errlen, "relay-sources is onionoo or none, not '%.32s'", v);
		return -1;
	}
	o->relay_onionoo = !strcmp(v, "onionoo");
	return 0;
}

static int add_relay_feed(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			  char *err, size_t errlen)
{
	if (!tw_is_feed_url(v)) {
		snprintf(err, errlen, "relay-feed must start with http:// or https://, not '%.64s'", v);
		return -1;
	}
	if (o->n_relay_feeds == TW_MAX_RELAY_FEEDS - 1) {
		snprintf(err, errlen, "at most %d relay-feeds", TW_MAX_RELAY_FEEDS - 1);
		return -1;
	}
	o->relay_feeds[o->n_relay_feeds++] = v;
	return 0;
}

static int set_max_relays(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			  char *err, size_t errlen)
{
	return tw_opt_count(&o->max_relays, opt->name, v, 1, TW_MAX_RELAYS, err, errlen);
}

const struct tw_option tw_torclient_options[] = {
	{ .name = "tor-client", .arg = "yes|no", .def = "yes",
	  .set = tw_opt_set_bool, .field = FIELD(tor_client),
	  .help = "watch connect() for Tor used from this host: to a listed\n"
		  "relay (tor_client_connection) or a local Tor proxy port\n"
		  "(tor_proxy_use)" },
	{ .name = "relay-file", .arg = "FILE", .flags = LIST | RELOAD,
	  .set = tw_opt_add_list_file, .field = FIELD(relay_files), .count = FIELD(n_relay_files),
	  .help = "a relay list: ADDR:PORT, [ADDR6]:PORT, addresses alone (any\n"
		  "port), exit-addresses, or Onionoo details (repeatable);\n"
		  "re-read when it changes" },
	{ .name = "relay-sources", .arg = "onionoo|none", .def = "onionoo",
	  .set = set_relay_sources,
	  .help = "fetch Onionoo's running relays (ORPorts and DirPorts) into\n"
		  "the relay set" },
	{ .name = "relay-feed", .arg = "URL", .flags = LIST,
	  .set = add_relay_feed, .count = FIELD(n_relay_feeds),
	  .help = "one more relay list over HTTP(S), in any relay-file format\n"
		  "(repeatable)" },
	{ .name = "relay-interval", .arg = "D", .def = "1h",
	  .set = tw_opt_set_duration, .field = FIELD(relay_interval_s),
	  .help = "how often the relay feeds are fetched" },
	{ .name = "builtin-relays", .arg = "yes|no", .def = "yes", .flags = RELOAD,
	  .set = tw_opt_set_bool, .field = FIELD(builtin_relays),
	  .help = "the relays built into tor: its directory authorities and\n"
		  "fallback directories (" TW_RELAYS_BUILTIN_DATE ")" },
	{ .name = "tor-proxy-ports", .arg = "LIST", .def = "9050,9150,9051", .flags = RELOAD,
	  .set = tw_opt_set_port_set, .field = FIELD(tor_proxy_ports),
	  .help = "local Tor SOCKS and control ports: a connection to one on\n"
		  "loopback raises tor_proxy_use" },
	{ .name = "tor-allowed-exe", .arg = "LIST", .def = "/usr/bin/tor,/usr/sbin/tor",
	  .flags = RELOAD, .set = set_allowed_exe,
	  .help = "executables that may use Tor: their relay connections are\n"
		  "low, and they are the proxy itself; or none" },
	{ .name = "max-relays", .arg = "N", .def = "65536", .flags = RELOAD,
	  .set = set_max_relays,
	  .help = "refuse a relay set larger than this (addresses and ports)" },
};
const size_t tw_n_torclient_options = sizeof(tw_torclient_options) / sizeof(tw_torclient_options[0]);
