// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch check ADDR: the XDP program's own lookup (run in the kernel by
 * the pinned check_exit program), with the why. */
#include <bpf/bpf.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include "common/addr.h"
#include "cli/cli.h"
#include "geo/geo.h"
#include "torwatch.h"
#include "tw_status.h"

const char tw_check_usage[] =
	"usage: torwatch check ADDR [--json] [--geoip FILE] [--asn-db FILE] [--pin-root DIR]\n"
	"  also says where ADDR is (country, network) by the daemon's databases or FILE\n"
	"  exit status: 0 in the exit set, 1 not in it, 2 error\n";

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
	const char *dbs[2] = { NULL, NULL };	/* --geoip, --asn-db */
	struct tw_geo_result where = {};
	struct tw_geo *geo = NULL;
	int ret = tw_cli_parse_common(argc, argv, &cli, tw_check_usage, tw_check_options, on_check_opt, dbs);

	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 1, tw_check_usage))
		return 2;
	if (tw_prefix_parse(argv[optind], &a, &why))
		return tw_cli_fail(&cli, "'%.64s' is not an address: %s", argv[optind], why);
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
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
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
