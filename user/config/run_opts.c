// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Everything made from the option table (option_table.c): the defaults,
 * --help, getopt, the config file's [run] keys, and which settings a SIGHUP
 * may change. */
#include "config/run_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/builtin_sources.h"
#include "config/config_file.h"

static const struct tw_option *find_option(const char *name)
{
	for (size_t i = 0; i < tw_n_run_options; i++)
		if (!strcmp(tw_run_options[i].name, name))
			return &tw_run_options[i];
	return NULL;
}

/* ---- --help ---- */

static int synopsis_item(const struct tw_option *opt, char *buf, size_t len)
{
	const char *more = opt->flags & TW_OPT_LIST ? "..." : "";

	if (opt->letter == 'h')
		return 0;
	if (opt->letter && opt->arg)
		return snprintf(buf, len, "[-%c %s]%s", opt->letter, opt->arg, more);
	if (opt->letter)
		return snprintf(buf, len, "[-%c]%s", opt->letter, more);
	if (opt->arg)
		return snprintf(buf, len, "[--%s %s]%s", opt->name, opt->arg, more);
	return snprintf(buf, len, "[--%s]%s", opt->name, more);
}

/* A long comma list as a default: lines of at most 64 characters, broken
 * after a comma, under the help text, then ")". */
static void print_wrapped_list(FILE *f, const char *list)
{
	size_t col = 64;

	while (*list) {
		size_t n = strcspn(list, ",");

		if (col + n + 1 > 64) {
			fprintf(f, "\n  %-22s  ", "");
			col = 0;
		}
		fprintf(f, "%.*s%s", (int)n, list, list[n] ? "," : "");
		col += n + 1;
		list += n + (list[n] ? 1 : 0);
	}
	fputs(")\n", f);
}

void tw_run_usage(FILE *f)
{
	static const char head[] = "usage: torwatch run";
	size_t col = sizeof(head) - 1;
	char item[96], left[64], def[1024];

	fputs(head, f);
	for (size_t i = 0; i < tw_n_run_options; i++) {
		int n = synopsis_item(&tw_run_options[i], item, sizeof(item));

		if (!n)
			continue;
		if (col + 1 + (size_t)n > 92) {
			fprintf(f, "\n%*s", (int)sizeof(head) - 1, "");
			col = sizeof(head) - 1;
		}
		fprintf(f, " %s", item);
		col += 1 + (size_t)n;
	}
	fputc('\n', f);
	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *opt = &tw_run_options[i];
		const char *line = opt->help, *nl;

		if (opt->letter)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opt->letter, opt->name,
				 opt->arg ? " " : "", opt->arg ? opt->arg : "");
		else
			snprintf(left, sizeof(left), "--%s%s%s", opt->name, opt->arg ? " " : "",
				 opt->arg ? opt->arg : "");
		def[0] = '\0';
		if (opt->show_default)
			opt->show_default(def, sizeof(def));
		else if (opt->def)
			snprintf(def, sizeof(def), "%s", opt->def);
		fprintf(f, "  %-22s", left);
		/* The text starts a column on: one that reaches it goes below. */
		if (strlen(left) >= 22)
			fprintf(f, "\n  %-22s", "");
		for (;;) {
			nl = strchr(line, '\n');
			if (!nl)
				break;
			fprintf(f, " %.*s\n  %-22s", (int)(nl - line), line, "");
			line = nl + 1;
		}
		if (strlen(def) > 60) {
			fprintf(f, " %s\n  %-22s (default", line, "");
			print_wrapped_list(f, def);
		} else if (def[0] && 25 + strlen(line) + strlen(def) + 11 > 92)
			fprintf(f, " %s\n  %-22s (default %s)\n", line, "", def);
		else if (def[0])
			fprintf(f, " %s (default %s)\n", line, def);
		else
			fprintf(f, " %s\n", line);
	}
	fputs("SIGHUP re-reads the config file and takes new", f);
	col = 46;
	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *opt = &tw_run_options[i];

		if (!(opt->flags & TW_OPT_RELOAD))
			continue;
		if (col + strlen(opt->name) + 2 > 92) {
			fputs("\n ", f);
			col = 1;
		}
		fprintf(f, " %s", opt->name);
		col += strlen(opt->name) + 1;
	}
	fputs(";\nthe others change with a restart.\n", f);
}

/* ---- defaults, setting, parsing ---- */

void tw_run_opts_defaults(struct tw_run_opts *o)
{
	char err[256];

	memset(o, 0, sizeof(*o));
	for (unsigned i = 0; i < tw_n_builtin_sources; i++)
		if (tw_builtin_sources[i].on_by_default)
			o->builtin_on |= 1u << i;
	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *opt = &tw_run_options[i];

		/* The table's defaults parse; tests/unit/test_options.c checks it. */
		if (opt->def && opt->set)
			opt->set(o, opt, opt->def, err, sizeof(err));
	}
}

void tw_run_opts_free(struct tw_run_opts *o)
{
	for (size_t i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	free(o->owned);
	o->owned = NULL;
	o->n_owned = 0;
}

/* FNV-1a over what was given, in order: equal digests, same settings. */
static uint64_t digest_add(uint64_t h, const char *s)
{
	if (!h)
		h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ '\n') * 0x100000001b3ULL;
}

/* Has what (an option's index, or TW_SEEN_SECTION_KEY) been given with
 * this hash before? If not, it is noted. */
static bool seen_before(struct tw_run_opts *o, uint32_t what, uint64_t hash)
{
	for (size_t i = 0; i < o->n_seen; i++)
		if (o->seen[i].what == what && o->seen[i].hash == hash)
			return true;
	if (o->n_seen < TW_MAX_SEEN)
		o->seen[o->n_seen++] = (typeof(o->seen[0])){ what, hash };
	return false;
}

/* A command line list replaces the config file's: its values are forgotten. */
static void forget_values(struct tw_run_opts *o, uint32_t what)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n_seen; i++)
		if (o->seen[i].what != what)
			o->seen[n++] = o->seen[i];
	o->n_seen = n;
}

/* One rule for every list option: the same value twice is refused. */
static int refuse_repeat(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			 bool cli, char *err, size_t errlen)
{
	if (!(opt->flags & TW_OPT_LIST) ||
	    !seen_before(o, (uint32_t)(opt - tw_run_options), digest_add(0, v)))
		return 0;
	snprintf(err, errlen, "%s%s '%.128s' is given twice", cli ? "--" : "", opt->name, v);
	return -1;
}

int tw_run_opts_set(struct tw_run_opts *o, const char *name, const char *v, char *err,
		    size_t errlen)
{
	const struct tw_option *opt = find_option(name);

	if (!opt || (opt->flags & TW_OPT_CLI_ONLY)) {
		snprintf(err, errlen, "unknown setting '%.64s'", name);
		return -1;
	}
	if (!(opt->flags & TW_OPT_LIST) && o->given[opt - tw_run_options]) {
		snprintf(err, errlen, "'%s' is set a second time (only list settings, such as feed or alerts, take more than one line)",
			 opt->name);
		return -1;
	}
	if (refuse_repeat(o, opt, v, false, err, errlen))
		return -1;
	/* A list's default goes at its first value (alerts = FILE replaces '-'). */
	if ((opt->flags & TW_OPT_LIST) && opt->def && !o->given[opt - tw_run_options])
		*(size_t *)((char *)o + opt->count) = 0;
	if (opt->set(o, opt, v, err, errlen))
		return -1;
	o->given[opt - tw_run_options] = digest_add(o->given[opt - tw_run_options], v);
	return 0;
}

/* The options will point into copy: o owns it from now on. */
static char *keep(struct tw_run_opts *o, const char *s)
{
	char **owned = realloc(o->owned, (o->n_owned + 1) * sizeof(*owned));
	char *copy;

	if (!owned)
		return NULL;
	o->owned = owned;
	copy = strdup(s);
	if (copy)
		owned[o->n_owned++] = copy;
	return copy;
}

/* The named sections: [source NAME], [sink NAME], [throttle RULE]. */
static const struct {
	const char *prefix;
	int (*set)(struct tw_run_opts *o, const char *name, const char *key, const char *v,
		   char *err, size_t errlen);
} named_sections[] = {
	{ "source ", tw_run_opts_set_source },
	{ "sink ", tw_run_opts_set_sink },
	{ "throttle ", tw_run_opts_set_throttle },
};

static int on_config_setting(void *ctx, const char *section, const char *name, const char *value,
			     char *why, size_t whylen)
{
	struct tw_run_opts *o = ctx;
	const char *copy, *section_name;
	size_t k, n = sizeof(named_sections) / sizeof(named_sections[0]);

	for (k = 0; k < n; k++)
		if (!strncmp(section, named_sections[k].prefix, strlen(named_sections[k].prefix)))
			break;
	if (*section && strcmp(section, "run") && k == n) {
		snprintf(why, whylen, "unknown section [%.64s] ([run], [source NAME], [sink NAME] or [throttle RULE])",
			 section);
		return -1;
	}
	if (!(copy = keep(o, value))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (k == n)
		return tw_run_opts_set(o, name, copy, why, whylen);
	section_name = keep(o, section + strlen(named_sections[k].prefix));
	if (!section_name) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	/* Every key of a named section is set once, but a sink's headers. */
	if (strcmp(name, "header") &&
	    seen_before(o, TW_SEEN_SECTION_KEY, digest_add(digest_add(0, section), name))) {
		snprintf(why, whylen, "'%.64s' is set a second time in [%.64s]", name, section);
		return -1;
	}
	if (named_sections[k].set(o, section_name, name, copy, why, whylen))
		return -1;
	o->given_sources = digest_add(digest_add(digest_add(o->given_sources, section_name), name),
				      copy);
	return 0;
}

int tw_config_load(const char *path, struct tw_run_opts *o, char *err, size_t errlen)
{
	return tw_config_read(path, on_config_setting, o, err, errlen);
}

/* getopt's view of the table, and its short options ("+:c:i:vh"). */
static void getopt_tables(struct option *longopts, char *shortopts)
{
	size_t n = 0;

	*shortopts++ = '+';
	*shortopts++ = ':';
	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *opt = &tw_run_options[i];

		longopts[n++] = (struct option){ opt->name, opt->arg ? required_argument : no_argument,
						 NULL, opt->letter ? opt->letter : 0 };
		if (opt->letter) {
			*shortopts++ = opt->letter;
			if (opt->arg)
				*shortopts++ = ':';
		}
	}
	longopts[n] = (struct option){};
	*shortopts = '\0';
}

static const struct tw_option *by_letter(int c)
{
	for (size_t i = 0; i < tw_n_run_options; i++)
		if (tw_run_options[i].letter == c)
			return &tw_run_options[i];
	return NULL;
}

static int parse(int argc, char **argv, struct tw_run_opts *o, char *err, size_t errlen);

int tw_run_opts_parse(int argc, char **argv, struct tw_run_opts *o, char *err, size_t errlen)
{
	int ret = parse(argc, argv, o, err, errlen);

	if (ret)
		tw_run_opts_free(o);	/* nothing is kept from a parse that failed */
	return ret;
}

static int parse(int argc, char **argv, struct tw_run_opts *o, char *err, size_t errlen)
{
	struct option longopts[TW_MAX_RUN_OPTIONS + 1];
	char shortopts[2 * TW_MAX_RUN_OPTIONS + 3];
	bool replaced[TW_MAX_RUN_OPTIONS] = {};
	const char *config = NULL;
	int c, idx;

	getopt_tables(longopts, shortopts);
	tw_run_opts_defaults(o);
	/* Pass one: -c and --help, so that the file is read before the options
	 * that override it. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'c')
			config = optarg;
		else if (c == 'h')
			return 1;
	}
	if (config) {
		int ret = tw_config_load(config, o, err, errlen);

		if (ret)
			return ret;
	}

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
		const struct tw_option *opt = c == 0 ? &tw_run_options[idx] : by_letter(c);
		size_t i;

		if (c == ':') {
			snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
			return -1;
		}
		if (!opt || c == '?') {
			snprintf(err, errlen, "unknown option '%s' for 'run'", argv[optind - 1]);
			return -1;
		}
		if (!opt->set)
			continue; /* -c: read above */
		i = (size_t)(opt - tw_run_options);
		/* Lists given on the command line replace those of the config file. */
		if ((opt->flags & TW_OPT_LIST) && !replaced[i]) {
			*(size_t *)((char *)o + opt->count) = 0;
			o->given[i] = 0;
			forget_values(o, (uint32_t)i);
			replaced[i] = true;
		}
		if (refuse_repeat(o, opt, optarg ? optarg : "yes", true, err, errlen) ||
		    opt->set(o, opt, optarg ? optarg : "yes", err, errlen))
			return -1;
		o->given[i] = digest_add(o->given[i], optarg ? optarg : "yes");
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.64s' for 'run'", argv[optind]);
		return -1;
	}
	return 0;
}

bool tw_run_opts_restart_only_changes(const struct tw_run_opts *was, const struct tw_run_opts *now,
				      char *names, size_t len, bool *name_files)
{
	const char *changed[TW_MAX_RUN_OPTIONS + 1];
	size_t n = 0, used = 0;

	*name_files = false;
	for (size_t i = 0; i < tw_n_run_options; i++)
		if (!(tw_run_options[i].flags & TW_OPT_RELOAD) && was->given[i] != now->given[i]) {
			changed[n++] = tw_run_options[i].name;
			if (tw_run_options[i].arg && strstr(tw_run_options[i].arg, "FILE"))
				*name_files = true;
		}
	if (was->given_sources != now->given_sources)
		changed[n++] = "[source] sections";
	names[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(names + used, len - used, "%s%s",
					 !i ? "" : i + 1 == n ? " and " : ", ", changed[i]);
	return n > 0;
}
