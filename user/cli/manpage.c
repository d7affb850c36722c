// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* 'torwatch manpage PART': the parts of torwatch(8) that the tables drive,
 * as roff: the SYNOPSIS and COMMANDS (every object's usage lines and text,
 * from the command table), OPTIONS (the run option table, with defaults),
 * and the settings a SIGHUP takes. 'make' puts them into
 * packaging/torwatch.8.in, so the page cannot drift from the binary. */
#include "cli/cli.h"

#include <string.h>
#include "config/run_opts.h"

/* Text as roff: backslashes and dashes escaped, a leading '.' or '\''
 * kept from being read as a request. */
static void roff(FILE *f, const char *s, size_t n)
{
	if (n && (*s == '.' || *s == '\''))
		fputs("\\&", f);
	for (size_t i = 0; i < n && s[i]; i++) {
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else
			fputc(s[i], f);
	}
}

static void roff_line(FILE *f, const char *s, size_t n)
{
	roff(f, s, n);
	fputc('\n', f);
}

/* Each "usage: torwatch ..." line of text, and its continuations, in bold. */
static void usage_lines(FILE *f, const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		const char *t = p;

		while (t < p + n && *t == ' ')
			t++;
		if (!strncmp(t, "usage: ", 7))
			t += 7;
		if (!strncmp(t, "torwatch ", 9)) {
			fputs(".br\n\\fB", f);
			roff(f, t, (size_t)(p + n - t));
			fputs("\\fR\n", f);
		} else if (t < p + n && *t == '[') {	/* a usage line's continuation */
			roff_line(f, t, (size_t)(p + n - t));
		}
		p += n + (p[n] == '\n');
	}
}

static void synopsis(FILE *f, const struct tw_command *commands)
{
	for (const struct tw_command *c = commands; c->name; c++) {
		if (c->run_options) {
			fputs(".br\n\\fBtorwatch run\\fR [\\fIoptions\\fR] (below)\n", f);
			continue;
		}
		if (c->usage)
			usage_lines(f, c->usage);
	}
}

/* Each object: its summary, its usage lines and the text under them. */
static void commands_section(FILE *f, const struct tw_command *commands)
{
	for (const struct tw_command *c = commands; c->name; c++) {
		fprintf(f, ".SS torwatch %s\n", c->name);
		roff_line(f, c->summary, strlen(c->summary));
		if (c->run_options) {
			fputs("(see OPTIONS)\n", f);
			continue;
		}
		if (!c->usage)
			continue;
		fputs(".PP\n.nf\n", f);
		for (const char *p = c->usage; *p;) {
			size_t n = strcspn(p, "\n");

			roff_line(f, p, n);
			p += n + (p[n] == '\n');
		}
		fputs(".fi\n", f);
	}
}

static void options_section(FILE *f)
{
	char def[1024];

	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *o = &tw_run_options[i];

		fputs(".TP\n\\fB", f);
		if (o->letter)
			fprintf(f, "\\-%c, ", o->letter);
		fputs("\\-\\-", f);
		roff(f, o->name, strlen(o->name));
		fputs("\\fR", f);
		if (o->arg) {
			fputs(" \\fI", f);
			roff(f, o->arg, strlen(o->arg));
			fputs("\\fR", f);
		}
		fputc('\n', f);
		for (const char *p = o->help; *p;) {
			size_t n = strcspn(p, "\n");

			roff_line(f, p, n);
			p += n + (p[n] == '\n');
		}
		def[0] = '\0';
		if (o->show_default)
			o->show_default(def, sizeof(def));
		else if (o->def)
			snprintf(def, sizeof(def), "%s", o->def);
		if (def[0]) {
			/* A long list may break after each comma (\:). */
			fputs("(default ", f);
			for (const char *p = def; *p;) {
				size_t n = strcspn(p, ",");

				roff(f, p, n);
				if (p[n])
					fputs(",\\:", f);
				p += n + (p[n] == ',');
			}
			fputs(")\n", f);
		}
	}
}

static void reload_list(FILE *f)
{
	bool first = true;

	for (size_t i = 0; i < tw_n_run_options; i++) {
		if (!(tw_run_options[i].flags & TW_OPT_RELOAD))
			continue;
		fprintf(f, "%s\\fB", first ? "" : ",\n");
		roff(f, tw_run_options[i].name, strlen(tw_run_options[i].name));
		fputs("\\fR", f);
		first = false;
	}
	fputs("\n", f);
}

int tw_cli_manpage(FILE *f, const struct tw_command *commands, const char *part)
{
	if (!part)
		return -1;
	if (!strcmp(part, "synopsis"))
		synopsis(f, commands);
	else if (!strcmp(part, "commands"))
		commands_section(f, commands);
	else if (!strcmp(part, "options"))
		options_section(f);
	else if (!strcmp(part, "reload"))
		reload_list(f);
	else
		return -1;
	return 0;
}
