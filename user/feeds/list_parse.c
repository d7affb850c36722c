// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "feeds/list_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DATA_TIME_TAG "data-time:"

/* line holds at least min(len, sizeof(excerpt)) readable bytes. */
void tw_feed_bad_item(struct tw_feed *feed, const char *line, size_t len, const char *reason)
{
	struct tw_feed_error *e;
	size_t o = 0, i;

	if (feed->bad_lines++ >= TW_FEED_MAX_REPORTED)
		return;
	e = &feed->errors[feed->bad_lines - 1];
	e->line = feed->lines;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	for (i = 0; i < len && o + 5 < sizeof(e->excerpt); i++) {
		unsigned char c = (unsigned char)line[i];

		if (isprint(c))
			e->excerpt[o++] = (char)c;
		else
			o += (size_t)snprintf(e->excerpt + o, sizeof(e->excerpt) - o, "\\x%02x", c);
	}
	e->excerpt[o] = '\0';
	if (i < len)
		memcpy(e->excerpt + o, "...", 4);
}

int tw_feed_add(struct tw_feed *feed, const struct tw_prefix *p)
{
	if (feed->n == feed->cap) {
		size_t cap = feed->cap ? feed->cap * 2 : 1024;
		struct tw_prefix *e = realloc(feed->entries, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		feed->entries = e;
		feed->cap = cap;
	}
	feed->entries[feed->n++] = *p;
	return 0;
}

int64_t tw_parse_utc(const char *text)
{
	struct tm tm = { 0 };
	const char *end = strptime(text, "%Y-%m-%d %H:%M:%S", &tm);

	if (!end || *end != '\0' || strlen(text) != 19)
		return -1;
	return (int64_t)timegm(&tm);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

void tw_feed_note_data_time(struct tw_feed *feed, int64_t t)
{
	if (t > feed->newest_data)
		feed->newest_data = t;
}

/* "# data-time: YYYY-MM-DD HH:MM:SS" dates a plain list (the daemon's cache uses it). */
static void parse_plain_comment(struct tw_feed *feed, const char *comment)
{
	while (*comment == '#' || *comment == ' ')
		comment++;
	if (strncmp(comment, DATA_TIME_TAG, strlen(DATA_TIME_TAG)))
		return;
	comment += strlen(DATA_TIME_TAG);
	while (*comment == ' ')
		comment++;
	int64_t t = tw_parse_utc(comment);

	if (t > 0)
		tw_feed_note_data_time(feed, t);
}

static int parse_plain_line(struct tw_feed *feed, char *line, const char *raw, size_t rawlen)
{
	struct tw_prefix p;
	const char *why;
	char *rest;

	if (*line == '#') {
		parse_plain_comment(feed, line);
		return 0;
	}
	rest = line + strcspn(line, " \t#");
	if (*rest) {
		*rest++ = '\0';
		rest = trim(rest);
		if (*rest && *rest != '#') {
			tw_feed_bad_item(feed, raw, rawlen, "text after the address");
			return 0;
		}
	}
	if (tw_prefix_parse(line, &p, &why)) {
		tw_feed_bad_item(feed, raw, rawlen, why);
		return 0;
	}
	return tw_feed_add(feed, &p);
}

static bool is_fingerprint(const char *s)
{
	size_t n = strlen(s);

	if (n != 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* One line of an exit-addresses record; state: are we inside an ExitNode record? */
static int parse_exit_line(struct tw_feed *feed, char *line, const char *raw, size_t rawlen,
			   bool *in_record)
{
	char *arg = line + strcspn(line, " \t");
	struct tw_prefix p;
	const char *why;

	if (*arg)
		*arg++ = '\0';
	arg = trim(arg);

	if (!strcmp(line, "@type")) {
		if (strncmp(arg, "tordnsel", 8))
			tw_feed_bad_item(feed, raw, rawlen, "unknown @type");
		return 0;
	}
	if (!strcmp(line, "ExitNode")) {
		*in_record = is_fingerprint(arg);
		if (!*in_record)
			tw_feed_bad_item(feed, raw, rawlen, "ExitNode without a 40-hex fingerprint");
		return 0;
	}
	if (!strcmp(line, "Published") || !strcmp(line, "LastStatus")) {
		if (tw_parse_utc(arg) < 0)
			tw_feed_bad_item(feed, raw, rawlen, "malformed date");
		return 0;
	}
	if (strcmp(line, "ExitAddress")) {
		tw_feed_bad_item(feed, raw, rawlen, "unknown keyword");
		return 0;
	}
	if (!*in_record) {
		tw_feed_bad_item(feed, raw, rawlen, "ExitAddress outside a valid ExitNode record");
		return 0;
	}
	char *date = arg + strcspn(arg, " \t");

	if (*date)
		*date++ = '\0';
	date = trim(date);
	if (tw_prefix_parse(arg, &p, &why)) {
		tw_feed_bad_item(feed, raw, rawlen, why);
		return 0;
	}
	if (!tw_prefix_is_exact(&p)) {
		tw_feed_bad_item(feed, raw, rawlen, "ExitAddress must be a single address");
		return 0;
	}
	int64_t t = tw_parse_utc(date);

	if (t < 0) {
		tw_feed_bad_item(feed, raw, rawlen, "malformed date");
		return 0;
	}
	tw_feed_note_data_time(feed, t);
	return tw_feed_add(feed, &p);
}

static bool looks_like_exit_addresses(const char *line)
{
	return !strncmp(line, "@type", 5) || !strncmp(line, "ExitNode", 8);
}

int tw_feed_parse(FILE *f, struct tw_feed *feed)
{
	bool format_known = false, in_record = false;
	char *buf = NULL;
	size_t bufcap = 0;
	ssize_t len;
	int err = 0;

	memset(feed, 0, sizeof(*feed));
	errno = 0;
	while ((len = getline(&buf, &bufcap, f)) >= 0) {
		char raw[sizeof(feed->errors[0].excerpt)];
		size_t rawlen;
		char *line;

		feed->lines++;
		if (memchr(buf, '\0', (size_t)len)) {
			tw_feed_bad_item(feed, buf, (size_t)len, "contains a NUL byte");
			continue;
		}
		line = trim(buf);
		if (!*line)
			continue;
		/* The parsers cut the line up: keep its start for error reports. */
		rawlen = strlen(line);
		memcpy(raw, line, rawlen < sizeof(raw) ? rawlen : sizeof(raw));
		if (!format_known && *line != '#') {
			feed->format = looks_like_exit_addresses(line) ? TW_FEED_EXIT_ADDRESSES
								       : TW_FEED_PLAIN;
			format_known = true;
		}
		if (*line == '#')
			parse_plain_comment(feed, line);
		else if (feed->format == TW_FEED_EXIT_ADDRESSES)
			err = parse_exit_line(feed, line, raw, rawlen, &in_record);
		else
			err = parse_plain_line(feed, line, raw, rawlen);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	free(buf);
	return err;
}

int tw_feed_parse_file(const char *path, struct tw_feed *feed, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int ret;

	memset(feed, 0, sizeof(*feed));
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	ret = tw_feed_parse(f, feed);
	fclose(f);
	if (ret) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		tw_feed_free(feed);
		return ret;
	}
	return 0;
}

void tw_feed_free(struct tw_feed *feed)
{
	free(feed->entries);
	feed->entries = NULL;
	feed->n = feed->cap = 0;
}

int tw_feed_parse_buffer(const char *buf, size_t len, struct tw_feed *feed)
{
	FILE *f;
	int ret;

	memset(feed, 0, sizeof(*feed));
	if (!len)
		return 0;
	f = fmemopen((void *)buf, len, "r");
	if (!f)
		return -errno;
	ret = tw_feed_parse(f, feed);
	fclose(f);
	if (ret)
		tw_feed_free(feed);
	return ret;
}

int tw_exit_set_add_feed(struct tw_exit_set *set, const struct tw_feed *feed, unsigned source)
{
	return tw_exit_set_add_listed(set, feed->entries, feed->n, sizeof(*feed->entries), source);
}
