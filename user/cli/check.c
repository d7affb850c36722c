// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch check ADDR[:PORT]: the XDP program's own lookup (run in the
 * kernel by the pinned check_exit program), with the why; and whether it is
 * a Tor relay (address and port) in the Tor client sensor's relay set. */
#include <bpf/bpf.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "common/addr.h"
#include "cli/cli.h"
#include "geo/geo.h"
#include "torwatch.h"
#include "tw_status.h"

const char tw_check_usage[] =
	"usage: torwatch check ADDR[:PORT] [--json] [--geoip FILE] [--asn-db FILE] [--pin-root DIR]\n"
	"  ADDR is 192.0.2.1, 192.0.2.1:9001, 2001:db8::1 or [2001:db8::1]:9001\n"
	"  says whether ADDR is in the exit set, whether it is a Tor relay (with its\n"
	"  ports; PORT: that port), and where it is (country, network) by the\n"
	"  daemon's databases or FILE\n"
	"  exit status: 0 in the exit set, 1 not in it, 2 error\n";

/* "ADDR", "IPv4:PORT" or "[IPv6]:PORT" into a and port (0: none). */
static int parse_target(const char *text, struct tw_prefix *a, int *port, const char **why)
{
	char addr[TW_ADDR_STRLEN];
	const char *colon = strrchr(text, ':'), *p = NULL;
	size_t n;

	*port = 0;
	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (!end || end[1] != ':') {
			*why = "[IPv6] needs :PORT after it";
			return -1;
		}
		n = (size_t)(end - text - 1);
		p = end + 2;
		text++;
	} else if (colon && strchr(text, ':') == colon && strchr(text, '.')) {
		n = (size_t)(colon - text);
		p = colon + 1;
	} else {
		n = strlen(text);
	}
	if (n >= sizeof(addr)) {
		*why = "too long";
		return -1;
	}
	memcpy(addr, text, n);
	addr[n] = '\0';
	if (p) {
		char *end;
		long v = strtol(p, &end, 10);

		if (!*p || *end || v < 1 || v > 65535) {
			*why = "the port must be 1 to 65535";
			return -1;
		}
		*port = (int)v;
	}
	return tw_prefix_parse(addr, a, why);
}

static void relay_text(const struct tw_prefix *a, const char *text, int port, int rerr,
		       const struct tw_relay_answer *r)
{
	char target[TW_ADDR_STRLEN + 8];

	if (!port)
		snprintf(target, sizeof(target), "%s", text);
	else if (a->family == AF_INET6)
		snprintf(target, sizeof(target), "[%s]:%d", text, port);
	else
		snprintf(target, sizeof(target), "%s:%d", text, port);
	if (rerr) {
		printf("  relays: no relay set is pinned (the Tor client sensor is off or older)\n");
		return;
	}
	if (!r->any_port && !r->n_ports) {
		printf("%s is not a known Tor relay\n", text);
		return;
	}
	if (port && !r->listed)
		printf("%s is a Tor relay, but not on port %d: listed ports ", text, port);
	else
		printf("%s is a Tor relay: ", target);
	if (r->any_port)
		printf("any port (listed by address)");
	for (size_t i = 0; i < r->n_ports; i++)
		printf("%s%u", i || r->any_port ? ", " : port && !r->listed ? "" : "ports ",
		       r->ports[i]);
	printf("\n");
}

static struct json_object *relay_json(int rerr, const struct tw_relay_answer *r)
{
	struct json_object *o, *ports;

	if (rerr)
		return NULL;
	o = json_object_new_object();
	ports = json_object_new_array();
	for (size_t i = 0; i < r->n_ports; i++)
		json_object_array_add(ports, json_object_new_int(r->ports[i]));
	json_object_object_add(o, "listed", json_object_new_boolean(r->listed));
	json_object_object_add(o, "any_port", json_object_new_boolean(r->any_port));
	json_object_object_add(o, "ports", ports);
	return o;
}

static int on_check_opt(int opt, const char *arg, void *ctx)
{
	((const char **)ctx)[opt == 'G' ? 0 : 1] = arg;
	return 0;
}

const struct option tw_check_options[] = {
	{ "geoip", required_argument, NULL, 'G' },
	{ "asn-db", required_argument, NULL, 'A' },
	{},
};

int tw_cmd_check(int argc, char **argv)
{
	struct tw_cli cli = {};
	struct tw_source_info si;
	struct tw_check_ctx v;
	struct tw_prefix a, match;
	struct tw_pinned p;
	struct json_object *names;
	char text[TW_ADDR_STRLEN], mtext[TW_ADDR_STRLEN];
	const char *why;
	bool found, allowed = false;
	struct tw_relay_answer relay;
	int port, rerr;
	const char *dbs[2] = { NULL, NULL };	/* --geoip, --asn-db */
	struct tw_geo_result where = {};
	struct tw_geo *geo = NULL;
	int ret = tw_cli_parse_common(argc, argv, &cli, tw_check_usage, tw_check_options, on_check_opt, dbs);

	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 1, tw_check_usage))
		return 2;
	if (parse_target(argv[optind], &a, &port, &why))
		return tw_cli_fail(&cli, "'%.64s' is not an address or ADDR:PORT: %s", argv[optind], why);
	if (!tw_prefix_is_exact(&a))
		return tw_cli_fail(&cli, "check takes one address, not the prefix %.64s", argv[optind]);
	ret = tw_cli_open(&cli, &p);
	if (ret)
		return ret;

	ret = tw_stats_geo_open(&cli, &p, dbs[0], dbs[1], &geo);
	if (ret) {
		tw_pinned_close(&p);
		return ret;
	}
	tw_geo_lookup(geo, a.family, a.addr, &where);
	tw_geo_close(geo);
	tw_prefix_format(&a, text, sizeof(text));
	ret = tw_exit_check(cli.pin_root, &a, &v);
	if (ret) {
		tw_pinned_close(&p);
		if (ret == -ENOENT)
			return tw_cli_fail(&cli, "the pin root %s has no check program: it was made by an older torwatch; restart the daemon",
					   cli.pin_root);
		return tw_cli_fail(&cli, "cannot run the exit-set lookup: %s", strerror(-ret));
	}
	found = v.found;
	allowed = v.allowlisted;
	rerr = tw_check_relay(cli.pin_root, &a, port, &relay);
	names = json_object_new_array();
	if (found) {
		/* The matched prefix is the address cut to the entry's length. */
		match = a;
		match.prefixlen = (uint8_t)v.prefixlen;
		for (int bit = match.prefixlen; bit < 128; bit++)
			match.addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		tw_prefix_format(&match, mtext, sizeof(mtext));
		for (__u32 i = 0; i < TW_MAX_SOURCES; i++)
			if ((v.sources & (1u << i)) && !bpf_map_lookup_elem(p.sources, &i, &si) &&
			    si.in_use)
				json_object_array_add(names, json_object_new_string(si.name));
	}
	tw_pinned_close(&p);

	if (cli.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "address", json_object_new_string(text));
		json_object_object_add(o, "in_exit_set", json_object_new_boolean(found));
		if (port)
			json_object_object_add(o, "port", json_object_new_int(port));
		json_object_object_add(o, "relay", relay_json(rerr, &relay));
		json_object_object_add(o, "country", where.iso[0] ? json_object_new_string(where.iso) : NULL);
		json_object_object_add(o, "country_name",
				       where.name[0] ? json_object_new_string(where.name) : NULL);
		json_object_object_add(o, "asn", where.asn ? json_object_new_int64(where.asn) : NULL);
		if (found) {
			json_object_object_add(o, "match", json_object_new_string(
				tw_prefix_is_exact(&match) ? "exact" : "prefix"));
			json_object_object_add(o, "entry", json_object_new_string(mtext));
			json_object_object_add(o, "sources", json_object_get(names));
			json_object_object_add(o, "allowlisted", json_object_new_boolean(allowed));
		}
		tw_cli_print_json(o, false);
	} else if (found) {
		printf("%s is in the exit set: %s %s, listed by ", text,
		       tw_prefix_is_exact(&match) ? "exact entry" : "prefix", mtext);
		for (size_t i = 0; i < json_object_array_length(names); i++)
			printf("%s%s", i ? ", " : "",
			       json_object_get_string(json_object_array_get_idx(names, i)));
		printf("%s\n", allowed ? " (allowlisted: never dropped or alerted)" : "");
	} else {
		printf("%s is not in the exit set\n", text);
	}
	if (!cli.json)
		relay_text(&a, text, port, rerr, &relay);
	if (!cli.json && (where.iso[0] || where.asn)) {
		printf("  where: %s%s%s%s", where.iso[0] ? where.iso : "", where.name[0] ? " (" : "",
		       where.name, where.name[0] ? ")" : "");
		if (where.asn)
			printf("%sAS%u %s", where.iso[0] ? ", " : "", where.asn, where.as_org);
		printf("\n");
	}
	json_object_put(names);
	return found ? 0 : 1;
}
