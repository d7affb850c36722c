// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run': the exit lists: sources, files, schedule, guards, timeouts. */
#include "config/option_setters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/builtin_sources.h"

static int set_feed(struct tw_run_opts *o, const struct tw_option *opt, const char *v, char *err,
		    size_t errlen)
{
	if (o->n_feeds == TW_MAX_SOURCES) {
		snprintf(err, errlen, "at most %d feeds", TW_MAX_SOURCES);
		return -1;
	}
	if (!*v) {
		snprintf(err, errlen, "feed needs a URL or a file path");
		return -1;
	}
	o->feeds[o->n_feeds++] = v;
	return 0;
}

/* "none", or a comma list of built-in source names. */
static int set_sources(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
		       char *err, size_t errlen)
{
	char buf[512], *save, *tok;
	unsigned on = 0;

	if (!strcmp(v, "none")) {
		o->builtin_on = 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i = tw_builtin_find(tok);

		if (i < 0) {
			snprintf(err, errlen, "sources: unknown source '%.64s' (known: exit-addresses, bulk-exit-list, onionoo, dan-me-uk, or none)",
				 tok);
			return -1;
		}
		on |= 1u << i;
	}
	if (!on) {
		snprintf(err, errlen, "sources: name at least one source, or none");
		return -1;
	}
	o->builtin_on = on;
	return 0;
}

/* The built-ins that are on by default, as --help shows them. */
static void show_default_sources(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < tw_n_builtin_sources && used < len; i++)
		if (tw_builtin_sources[i].on_by_default)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 tw_builtin_sources[i].name);
}

static int set_max_body(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	unsigned shift = 0;

	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (end == v || *end || v[0] == '-' || !n || n > (4ULL << 30) >> shift) {
		snprintf(err, errlen, "max-body must be a size from 1 byte to 4G (e.g. 512K, 32M), not '%.32s'", v);
		return -1;
	}
	o->max_body = (size_t)(n << shift);
	return 0;
}

static int set_max_shrink(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			  char *err, size_t errlen)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*end == '%')
		end++;
	if (*end || !*v || v[0] == '-' || n > 100) {
		snprintf(err, errlen, "max-shrink must be a share from 0 to 100 (%%), not '%.32s'", v);
		return -1;
	}
	o->max_shrink_pct = (unsigned)n;
	return 0;
}

/* "V4,V6": the shortest prefix lengths a fetched list may give. */
static int set_widest_prefix(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			     char *err, size_t errlen)
{
	unsigned v4, v6;
	int used = -1;

	if (sscanf(v, "%u,%u%n", &v4, &v6, &used) != 2 || used != (int)strlen(v) || !v4 ||
	    v4 > 32 || !v6 || v6 > 128) {
		snprintf(err, errlen,
			 "feed-widest-prefix must be two prefix lengths, IPv4 (1-32) and IPv6 (1-128), as in 24,48, not '%.32s'",
			 v);
		return -1;
	}
	o->widest_v4 = v4;
	o->widest_v6 = v6;
	return 0;
}

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

const struct tw_option tw_feeds_options[] = {
	{ .name = "sources", .arg = "LIST",
	  .set = set_sources, .show_default = show_default_sources,
	  .help = "built-in exit lists to fetch: exit-addresses, bulk-exit-list,\n"
		  "onionoo, dan-me-uk, or none" },
	{ .name = "feed", .arg = "URL|FILE", .flags = LIST,
	  .set = set_feed, .count = FIELD(n_feeds),
	  .help = "one more exit list, plain or exit-addresses (repeatable);\n"
		  "with no data at all: the shipped " TW_SNAPSHOT_DATE " snapshot" },
	{ .name = "deny-file", .arg = "FILE", .flags = LIST,
	  .set = tw_opt_add_list_file, .field = FIELD(deny_files), .count = FIELD(n_deny_files),
	  .help = "addresses/CIDRs treated as exit nodes (repeatable)" },
	{ .name = "allow-file", .arg = "FILE", .flags = LIST,
	  .set = tw_opt_add_list_file, .field = FIELD(allow_files), .count = FIELD(n_allow_files),
	  .help = "addresses/CIDRs never matched (repeatable); both files are\n"
		  "re-read when they change and on SIGHUP" },
	{ .name = "allow", .arg = "ADDR[/LEN]", .flags = LIST | RELOAD,
	  .set = set_allow, .count = FIELD(n_allow),
	  .help = "never drop or alert on this address or prefix (repeatable)" },
	{ .name = "feed-interval", .arg = "D", .def = "30m",
	  .set = tw_opt_set_duration, .field = FIELD(feed_interval_s),
	  .help = "how often --feed URLs are fetched" },
	{ .name = "expire-after", .arg = "D", .def = "48h", .flags = RELOAD,
	  .set = tw_opt_set_duration, .field = FIELD(expire_s),
	  .help = "fetched entries no longer listed leave after D" },
	{ .name = "max-shrink", .arg = "PCT", .def = "50", .flags = RELOAD,
	  .set = set_max_shrink,
	  .help = "refuse a list more than PCT% smaller than the last" },
	{ .name = "feed-widest-prefix", .arg = "V4,V6", .def = "24,48", .flags = RELOAD,
	  .set = set_widest_prefix,
	  .help = "refuse a fetched list that gives a prefix wider than /V4\n"
		  "(IPv4) or /V6 (IPv6); wider ones only in --deny-file" },
	{ .name = "stale-after", .arg = "D", .def = "6h", .flags = RELOAD,
	  .set = tw_opt_set_duration, .field = FIELD(stale_after_s),
	  .help = "feed_stale alert when the newest good data is older" },
	{ .name = "connect-timeout", .arg = "D", .def = "10s", .flags = RELOAD,
	  .set = tw_opt_set_duration, .field = FIELD(connect_timeout_s),
	  .help = "connecting to a feed server, per download" },
	{ .name = "fetch-timeout", .arg = "D", .def = "60s", .flags = RELOAD,
	  .set = tw_opt_set_duration, .field = FIELD(fetch_timeout_s),
	  .help = "a whole download" },
	{ .name = "retry-min", .arg = "D", .def = "60s", .flags = RELOAD,
	  .set = tw_opt_set_duration, .field = FIELD(retry_min_s),
	  .help = "first retry after a failed fetch; doubles" },
	{ .name = "max-body", .arg = "SIZE", .def = "32M", .flags = RELOAD,
	  .set = set_max_body,
	  .help = "largest list accepted, after gzip" },
	{ .name = "ca-file", .arg = "FILE", .flags = RELOAD,
	  .set = tw_opt_set_string, .field = FIELD(ca_file),
	  .help = "trust these CAs for HTTPS feeds (default: the system's)" },
};
const size_t tw_n_feeds_options = sizeof(tw_feeds_options) / sizeof(tw_feeds_options[0]);
