// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* 'torwatch completion': the bash completion, written from the command
 * table (objects, their verbs and options), the run option table and the
 * usage texts ("--by source|port" offers its values, "--geoip FILE"
 * files), so that it names what the binary takes and nothing else. */
#include "cli/cli.h"

#include <string.h>
#include "config/run_opts.h"

/* What the value of option name (of an object whose --help is usage)
 * completes to: "" (nothing), "-f" (files), "iface" or the values "a b c". */
static void value_kind(const char *usage, const char *name, char *out, size_t len)
{
	char pat[64];
	const char *at = NULL, *p = usage;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "--%s ", name);
	/* The first mention followed by a value, not "[--json]". */
	while (p && (p = strstr(p, pat))) {
		at = p + strlen(pat);
		if (*at != '[' && *at != '-')
			break;
		at = NULL;
		p++;
	}
	if (!at)
		return;
	size_t n = strcspn(at, " ]\n");

	char word[128];

	snprintf(word, sizeof(word), "%.*s", (int)n, at);
	if (strstr(word, "FILE") || !strcmp(word, "DIR")) {
		snprintf(out, len, "-f");
	} else if (!strcmp(word, "IFACE")) {
		snprintf(out, len, "iface");
	} else if (strchr(word, '|')) {
		snprintf(out, len, "%s", word);
		for (char *c = out; *c; c++)
			if (*c == '|')
				*c = ' ';
	}
}

/* The case for object's flag (and its letter, when not 0). */
static void value_case(FILE *f, const char *object, const char *flag, char letter,
		       const char *kind)
{
	if (!kind[0])
		return;
	fprintf(f, "\t\"%s --%s\"", object, flag);
	if (letter)
		fprintf(f, " | \"%s -%c\"", object, letter);
	fprintf(f, ")\n\t\tCOMPREPLY=($(compgen ");
	if (!strcmp(kind, "-f"))
		fprintf(f, "-f");
	else if (!strcmp(kind, "iface"))
		fprintf(f, "-W \"$(ls /sys/class/net 2>/dev/null)\"");
	else
		fprintf(f, "-W \"%s\"", kind);
	fprintf(f, " -- \"$cur\"))\n\t\treturn ;;\n");
}

/* run's options: the table's long names, letters and argument names. */
static void run_values(FILE *f, const char *object)
{
	char kind[160], usage[256];

	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *o = &tw_run_options[i];

		if (!o->arg)
			continue;
		snprintf(usage, sizeof(usage), "--%s %s", o->name, o->arg);
		value_kind(usage, o->name, kind, sizeof(kind));
		value_case(f, object, o->name, o->letter, kind);
	}
}

static void option_values(FILE *f, const struct tw_command *c)
{
	char kind[160];

	for (int k = 0; k < 2; k++) {
		const struct option *opts = k ? c->options : tw_cli_common_options;

		for (const struct option *o = opts; o && o->name; o++) {
			if (o->has_arg == no_argument)
				continue;
			value_kind(c->usage ? c->usage : "", o->name, kind, sizeof(kind));
			value_case(f, c->name, o->name, 0, kind);
		}
	}
}

static void words_of(FILE *f, const struct tw_command *c)
{
	if (c->run_options) {
		for (size_t i = 0; i < tw_n_run_options; i++)
			fprintf(f, " --%s", tw_run_options[i].name);
		return;
	}
	for (const char *const *v = c->verbs; v && *v; v++)
		fprintf(f, " %s", *v);
	for (const struct option *o = c->options; o && o->name; o++)
		fprintf(f, " --%s", o->name);
	for (const struct option *o = tw_cli_common_options; o->name; o++)
		fprintf(f, " --%s", o->name);
}

void tw_cli_completion(FILE *f, const struct tw_command *commands)
{
	fprintf(f, "# bash completion for torwatch, written by 'torwatch completion' from its\n"
		   "# command and option tables: do not edit, rebuild.\n"
		   "_torwatch()\n{\n"
		   "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		   "\tlocal object=${COMP_WORDS[1]:-}\n\n"
		   "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\tCOMPREPLY=($(compgen -W \"");
	for (const struct tw_command *c = commands; c->name; c++)
		fprintf(f, "%s%s", c == commands ? "" : " ", c->name);
	fprintf(f, "\" -- \"$cur\"))\n\t\treturn\n\tfi\n\tcase \"$object $prev\" in\n");
	for (const struct tw_command *c = commands; c->name; c++) {
		if (c->run_options)
			run_values(f, c->name);
		else
			option_values(f, c);
	}
	fprintf(f, "\tesac\n\tcase $object in\n");
	for (const struct tw_command *c = commands; c->name; c++) {
		fprintf(f, "\t%s)\n\t\tCOMPREPLY=($(compgen -W \"", c->name);
		words_of(f, c);
		fprintf(f, "\" -- \"$cur\")) ;;\n");
	}
	fprintf(f, "\tesac\n}\ncomplete -F _torwatch torwatch\n");
}
