// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "config/config_file.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SECTIONS 64

struct reader {
	FILE *f;
	int line;		/* the line inih is handling */
	tw_config_setting_fn fn;
	void *ctx;
	int err_line;		/* first line the handler refused, 0 = none */
	char reason[640];
	struct {
		char name[80];
		int line;
	} sections[MAX_SECTIONS];	/* the headers seen, to refuse a second one */
	int n_sections;
};

/* Comments are the same everywhere: from a ';' or '#' that starts the line
 * or follows a space, to its end (inih itself takes only ';' inline). */
static void cut_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == '#' || *p == ';') && (p == s || *(p - 1) == ' ' || *(p - 1) == '\t')) {
			*p++ = '\n';
			*p = '\0';
			return;
		}
}

/* A section header seen a second time: 0, or -1 with the reason. */
static int note_section(struct reader *r, const char *s)
{
	const char *end;
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[' || !(end = strchr(s, ']')))
		return 0;
	len = (size_t)(end - s - 1);
	for (int i = 0; i < r->n_sections; i++)
		if (strlen(r->sections[i].name) == len && !strncmp(r->sections[i].name, s + 1, len)) {
			snprintf(r->reason, sizeof(r->reason),
				 "[%.*s] appears a second time (first at line %d): put its settings in one section",
				 (int)(len > 64 ? 64 : len), s + 1, r->sections[i].line);
			return -1;
		}
	if (r->n_sections < MAX_SECTIONS) {
		snprintf(r->sections[r->n_sections].name, sizeof(r->sections[0].name), "%.*s",
			 (int)len, s + 1);
		r->sections[r->n_sections++].line = r->line;
	}
	return 0;
}

/* inih reads line by line through this: it counts lines, cuts comments and
 * stops at a repeated section. */
static char *read_line(char *buf, int size, void *stream)
{
	struct reader *r = stream;
	char *s = r->err_line ? NULL : fgets(buf, size, r->f);

	if (!s)
		return NULL;
	r->line++;
	cut_comment(s);
	if (note_section(r, s)) {
		r->err_line = r->line;
		return NULL;
	}
	return s;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	if (r->err_line)
		return 1; /* the first error is the one reported */
	if (!r->fn(r->ctx, section, name, value, r->reason, sizeof(r->reason)))
		return 1;
	r->err_line = r->line;
	return 0;
}

int tw_config_read(const char *path, tw_config_setting_fn fn, void *ctx, char *err, size_t errlen)
{
	struct reader r = { .fn = fn, .ctx = ctx };
	int line;

	struct stat st;

	r.f = fopen(path, "re");
	if (!r.f) {
		snprintf(err, errlen, "cannot read config %s: %s", path, strerror(errno));
		return TW_CONFIG_UNREADABLE;
	}
	if (fstat(fileno(r.f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "config %s is %s, not a file", path,
			 S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		fclose(r.f);
		return TW_CONFIG_UNREADABLE;
	}
	line = ini_parse_stream(read_line, &r, on_setting, &r);
	if (line == 0 && r.err_line)
		line = r.err_line;	/* a repeated section stopped the reading */
	fclose(r.f);
	if (line == 0)
		return 0;
	if (line < 0) {
		snprintf(err, errlen, "cannot read config %s", path);
		return TW_CONFIG_UNREADABLE;
	}
	if (line == r.err_line)
		snprintf(err, errlen, "%s:%d: %s", path, line, r.reason);
	else
		snprintf(err, errlen, "%s:%d: expected 'name = value' or '[run]'", path, line);
	return -1;
}
