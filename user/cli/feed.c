// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch feed update|show: the sources' state, read from the pinned maps,
 * and a refresh of the running daemon (SIGUSR1, or SIGUSR2 for --force). */
#include <bpf/bpf.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "feeds/source_state.h"
#include "common/timeutil.h"
#include "torwatch.h"
#include "tw_status.h"
#include "common/plural.h"

const char tw_feed_usage[] =
	"usage: torwatch feed update [--force] [--timeout SECONDS] [--json] [--pin-root DIR]\n"
	"       torwatch feed show [--json] [--pin-root DIR]\n"
	"       torwatch feed export [--output FILE] [--pin-root DIR]\n"
	"  update makes the running daemon fetch every source now and re-read its files,\n"
	"  waits for the answers and shows them; --force takes a list the shrink guard\n"
	"  would refuse. show lists the sources as the daemon last published them.\n"
	"  Both exit 1 when a fetched source failed or was refused (a check for\n"
	"  monitoring), 0 when all are well, 2 on errors. export writes the exit set\n"
	"  as XDP matches it now, in the plain format with a header naming the sources\n"
	"  and dating the data, to FILE (replaced whole, never half-written) or\n"
	"  stdout: one host fetches, the others read its copy with --feed URL.\n";

struct feed_opts {
	const char *output;
	bool force;
	unsigned timeout_s;
	bool bad_timeout;
};

static int on_feed_opt(int opt, const char *arg, void *ctx)
{
	struct feed_opts *f = ctx;

	if (opt == 'o') {
		f->output = arg;
	} else if (opt == 'f') {
		f->force = true;
	} else if (opt == 't') {
		if (tw_parse_duration(arg, &f->timeout_s) || !f->timeout_s)
			f->bad_timeout = true;
	}
	return 0;
}

struct json_object *tw_sources_json(const struct tw_source_info *src, int64_t now,
				    bool daemon_alive)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < TW_MAX_SOURCES; i++) {
		const struct tw_source_info *si = &src[i];
		struct json_object *j;

		if (!si->in_use)
			continue;
		j = json_object_new_object();
		json_object_object_add(j, "name", json_object_new_string(si->name));
		json_object_object_add(j, "kind", json_object_new_string(tw_source_kind_name(si->kind)));
		json_object_object_add(j, "url", json_object_new_string(si->url));
		json_object_object_add(j, "state",
				       json_object_new_string(tw_source_state_name(si->state)));
		json_object_object_add(j, "exact_v4", json_object_new_int64(si->exact_v4));
		json_object_object_add(j, "exact_v6", json_object_new_int64(si->exact_v6));
		json_object_object_add(j, "prefixes_v4", json_object_new_int64(si->prefixes_v4));
		json_object_object_add(j, "prefixes_v6", json_object_new_int64(si->prefixes_v6));
		json_object_object_add(j, "listed", json_object_new_int64(si->listed));
		json_object_object_add(j, "bad_lines", json_object_new_int64(si->bad_lines));
		json_object_object_add(j, "http_status",
				       si->http_status ? json_object_new_int(si->http_status) : NULL);
		json_object_object_add(j, "failures", json_object_new_int64(si->failures));
		json_object_object_add(j, "error", si->error[0] ? json_object_new_string(si->error) :
								  NULL);
		json_object_object_add(j, "loaded_at", tw_json_time(si->loaded_at));
		json_object_object_add(j, "newest_data", tw_json_time(si->newest_data));
		json_object_object_add(j, "last_attempt", tw_json_time(si->last_attempt));
		json_object_object_add(j, "last_success", tw_json_time(si->last_success));
		json_object_object_add(j, "age_s", si->last_success ?
				       json_object_new_int64(now - (int64_t)si->last_success) : NULL);
		json_object_object_add(j, "next_attempt",
				       daemon_alive ? tw_json_time(si->next_attempt) : NULL);
		json_object_object_add(j, "fetch_ms", json_object_new_int64(si->fetch_ms));
		json_object_array_add(arr, j);
	}
	return arr;
}

void tw_sources_print_text(const struct tw_source_info *src, int64_t now, bool daemon_alive)
{
	for (int i = 0; i < TW_MAX_SOURCES; i++) {
		const struct tw_source_info *si = &src[i];
		char age[32], next[32];

		if (!si->in_use)
			continue;
		const char *kind = tw_source_kind_name(si->kind);

		/* "snapshot 2024-03-12 (embedded)" says its kind already. */
		if (strncmp(si->name, kind, strlen(kind)))
			printf("  %s (%s): %s", si->name, kind, tw_source_state_name(si->state));
		else
			printf("  %s: %s", si->name, tw_source_state_name(si->state));
		if (si->http_status)
			printf(", HTTP %u", si->http_status);
		if (si->failures)
			printf(", %u failure%s in a row", si->failures, si->failures == 1 ? "" : "s");
		printf("\n    %u IPv4 + %u IPv6 addresses, %u %s in the set; %u in the last good list, %u bad %s\n",
		       si->exact_v4, si->exact_v6, si->prefixes_v4 + si->prefixes_v6,
		       tw_plural(si->prefixes_v4 + si->prefixes_v6, "prefix", "prefixes"), si->listed,
		       si->bad_lines, tw_plural(si->bad_lines, "line", "lines"));
		if (si->last_success) {
			tw_format_age(now - (int64_t)si->last_success, age, sizeof(age));
			printf("    last good data %s ago", age);
		} else {
			printf("    no good data yet");
		}
		if (si->next_attempt && !daemon_alive) {
			printf("; no fetch while the daemon is not running");
		} else if (si->next_attempt) {
			int64_t in = (int64_t)si->next_attempt - now;

			tw_format_age(in > 0 ? in : 0, next, sizeof(next));
			printf("; next fetch in %s", next);
		}
		printf("\n");
		if (si->error[0])
			printf("    last error: %s\n", si->error);
	}
}

static int read_sources(const struct tw_pinned *p, struct tw_meta *meta,
			struct tw_source_info src[TW_MAX_SOURCES])
{
	__u32 zero = 0;

	memset(src, 0, sizeof(*src) * TW_MAX_SOURCES);
	if (bpf_map_lookup_elem(p->meta, &zero, meta))
		return -errno;
	for (__u32 i = 0; i < TW_MAX_SOURCES; i++)
		if (bpf_map_lookup_elem(p->sources, &i, &src[i]))
			return -errno;
	return 0;
}

/* 1 when a fetched source ended failed or refused. */
static int show(const struct tw_cli *cli, const struct tw_pinned *p)
{
	struct tw_source_info src[TW_MAX_SOURCES];
	struct tw_meta meta;
	int64_t now = tw_now_unix();
	uint32_t pid;
	bool alive = tw_daemon_alive(cli->pin_root, &pid);
	int bad = 0;

	if (read_sources(p, &meta, src))
		return tw_cli_fail(cli, "cannot read the pinned source state under %s", cli->pin_root);
	for (int i = 0; i < TW_MAX_SOURCES; i++)
		if (src[i].in_use && src[i].kind != TW_SOURCE_SNAPSHOT &&
		    (src[i].state == TW_SRC_FAILED || src[i].state == TW_SRC_REJECTED))
			bad = 1;
	if (cli->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "stale", json_object_new_boolean(meta.feed_stale));
		json_object_object_add(o, "newest_data", tw_json_time(meta.set_newest_data));
		json_object_object_add(o, "sources", tw_sources_json(src, now, alive));
		tw_cli_print_json(o, true);
	} else {
		printf("exit set data: %s\nsources:\n", meta.feed_stale ? "STALE" : "fresh");
		tw_sources_print_text(src, now, alive);
	}
	return bad;
}

static int update(const struct tw_cli *cli, const struct tw_pinned *p, const struct feed_opts *fo)
{
	struct tw_meta meta;
	struct tw_source_info src[TW_MAX_SOURCES];
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	uint32_t pid, before;
	int ret;

	if (!tw_daemon_alive(cli->pin_root, &pid))
		return tw_cli_fail(cli, "no torwatch daemon is running for %s; start it with 'torwatch run'",
				   cli->pin_root);
	if (read_sources(p, &meta, src))
		return tw_cli_fail(cli, "cannot read the pinned source state under %s", cli->pin_root);
	before = meta.feed_rounds;
	ret = tw_daemon_signal(cli->pin_root, pid, fo->force ? SIGUSR2 : SIGUSR1);
	if (ret == -ESRCH)
		return tw_cli_fail(cli, "the lock on %s names pid %u, which is not a torwatch daemon holding it; nothing was signalled",
				   cli->pin_root, pid);
	if (ret)
		return tw_cli_fail(cli, "cannot signal the daemon (pid %u): %s", pid, strerror(-ret));
	for (unsigned waited = 0; waited < fo->timeout_s * 10; waited++) {
		nanosleep(&pause, NULL);
		if (read_sources(p, &meta, src))
			break;
		if (meta.feed_rounds != before)
			return show(cli, p);
	}
	return tw_cli_fail(cli, "the daemon did not finish the update within %u s; 'torwatch feed show' tells what it has",
			   fo->timeout_s);
}

const char *const tw_feed_verbs[] = { "update", "show", "export", NULL };

const struct option tw_feed_options[] = {
	{ "force", no_argument, NULL, 'f' },
	{ "timeout", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{},
};

int tw_cmd_feed(int argc, char **argv)
{
	struct feed_opts fo = { .timeout_s = 120 };
	struct tw_cli cli = {};
	struct tw_pinned p;
	const char *verb = NULL;
	int ret = tw_cli_parse_common(argc, argv, &cli, tw_feed_usage, tw_feed_options, on_feed_opt, &fo);

	if (ret)
		return ret > 0 ? 0 : 2;
	if (fo.bad_timeout)
		return tw_cli_fail(&cli, "--timeout needs a duration such as 30 or 2m");
	if (tw_cli_expect_args(&cli, argc, argv, 1, tw_feed_usage))
		return 2;
	for (size_t i = 0; tw_feed_verbs[i]; i++)
		if (argv[optind][0] && !strncmp(tw_feed_verbs[i], argv[optind], strlen(argv[optind])))
			verb = tw_feed_verbs[i];
	if (!verb)
		return tw_cli_fail(&cli, "unknown verb '%.32s' for 'feed' (update, show, export)",
				   argv[optind]);
	if (fo.force && strcmp(verb, "update"))
		return tw_cli_fail(&cli, "--force belongs to 'feed update'");
	if (fo.output && strcmp(verb, "export"))
		return tw_cli_fail(&cli, "--output belongs to 'feed export'");
	if (cli.json && !strcmp(verb, "export"))
		return tw_cli_fail(&cli, "'feed export' writes the plain list format that --feed reads; --json does not apply");
	ret = tw_cli_open(&cli, &p);
	if (ret)
		return ret;
	if (!strcmp(verb, "export")) {
		struct tw_meta meta;
		struct tw_source_info src[TW_MAX_SOURCES];

		ret = read_sources(&p, &meta, src) ?
			tw_cli_fail(&cli, "cannot read the pinned source state under %s", cli.pin_root) :
			tw_feed_export(&cli, &p, &meta, src, fo.output);
	} else {
		ret = !strcmp(verb, "update") ? update(&cli, &p, &fo) : show(&cli, &p);
	}
	tw_pinned_close(&p);
	return ret;
}
