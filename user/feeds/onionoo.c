// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "feeds/onionoo.h"

/* A streaming reader: the document is walked once and no tree is built, so
 * memory is the entries found, whatever the document holds (a json-c tree
 * of 8 MB of empty relays took 2.1 GB and 11 s). Nesting is bounded. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* "1.2.3.4:9001", "[2001:db8::1]:443" or a bare address, into p. */
static const char *parse_or_address(const char *s, size_t len, struct tw_prefix *p)
{
	char host[64];
	const char *why = NULL;
	const char *colon;

	if (len == 0 || len >= sizeof(host) + 8)
		return "not an address";
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || (size_t)(close - s - 1) >= sizeof(host))
			return "unterminated [IPv6]";
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
	} else {
		colon = memchr(s, ':', len);
		size_t n = colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1) ?
			   (size_t)(colon - s) : len;

		if (n >= sizeof(host))
			return "not an address";
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (tw_prefix_parse(host, p, &why))
		return why;
	if (!tw_prefix_is_exact(p))
		return "a prefix where an address belongs";
	return NULL;
}

#define MAX_DEPTH 64
#define ADDR_MAX 128	/* an or_address is far shorter; longer is not one */

struct cursor {
	const char *p, *start, *end;
	const char *err;	/* set once: what is wrong at p */
};

static void ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool fail(struct cursor *c, const char *why)
{
	if (!c->err)
		c->err = why;
	return false;
}

static int hex(char h)
{
	return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 :
	       h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
}

/* A string at c->p ('"'): checked whole; its first out_max bytes decoded
 * into out (NULL: only checked), *len the decoded length (may exceed
 * out_max). \u escapes above U+007F decode to '?': no address has one. */
static bool string(struct cursor *c, char *out, size_t out_max, size_t *len)
{
	size_t n = 0;

	c->p++;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p++;

		if (ch < 0x20)
			return fail(c, "a control character in a string");
		if (ch == '\\') {
			if (c->p >= c->end)
				break;
			char e = *c->p++;

			if (e == 'u') {
				int v = 0;

				for (int i = 0; i < 4; i++) {
					int h = c->p < c->end ? hex(*c->p++) : -1;

					if (h < 0)
						return fail(c, "a bad \\u escape");
					v = v * 16 + h;
				}
				ch = v < 0x80 ? (unsigned char)v : '?';
			} else {
				const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
				const char *at = strchr(from, e);

				if (!e || !at)
					return fail(c, "a bad escape");
				ch = (unsigned char)to[at - from];
			}
		}
		if (out && n < out_max)
			out[n] = (char)ch;
		n++;
	}
	if (c->p >= c->end)
		return fail(c, "an unterminated string");
	c->p++;
	*len = n;
	return true;
}

static bool value(struct cursor *c, int depth);

/* Walks an object or array at c->p, calling each member (key, or NULL in
 * an array) with c->p at its value; member must consume the value. */
static bool members(struct cursor *c, int depth, void *ctx,
		    bool (*member)(struct cursor *c, const char *key, size_t klen, int depth, void *ctx))
{
	bool object = *c->p == '{';
	char close = object ? '}' : ']';
	char key[32];

	if (depth > MAX_DEPTH)
		return fail(c, "nested too deep");
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		size_t klen = 0;

		ws(c);
		if (object) {
			if (c->p >= c->end || *c->p != '"' || !string(c, key, sizeof(key), &klen))
				return fail(c, "a key expected");
			ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return fail(c, "':' expected");
			ws(c);
		}
		/* Every member reads *c->p first: it must be there. */
		if (c->p >= c->end)
			return fail(c, "a value expected");
		if (!member(c, object ? key : NULL, klen > sizeof(key) ? sizeof(key) + 1 : klen,
			    depth + 1, ctx))
			return false;
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == close) {
			c->p++;
			return true;
		}
		return fail(c, object ? "',' or '}' expected" : "',' or ']' expected");
	}
}

static bool skip_member(struct cursor *c, const char *key, size_t klen, int depth, void *ctx)
{
	return value(c, depth);
}

static bool literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return fail(c, "an unknown literal");
	c->p += n;
	return true;
}

static bool number(struct cursor *c)
{
	const char *from = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	while (c->p < c->end && strchr("0123456789.eE+-", *c->p))
		c->p++;
	return c->p > from && (c->p[-1] >= '0' && c->p[-1] <= '9') ? true : fail(c, "a bad number");
}

/* Any value, checked and skipped. */
static bool value(struct cursor *c, int depth)
{
	size_t len;

	if (c->p >= c->end)
		return fail(c, "a value expected");
	switch (*c->p) {
	case '{':
	case '[':
		return members(c, depth, NULL, skip_member);
	case '"':
		return string(c, NULL, 0, &len);
	case 't':
		return literal(c, "true");
	case 'f':
		return literal(c, "false");
	case 'n':
		return literal(c, "null");
	default:
		return number(c);
	}
}

struct walk {
	struct tw_feed *feed;
	const char *field;	/* the address array being read */
	bool relays;		/* a "relays" array was found */
	int ret;		/* -ENOMEM */
};

static bool address(struct cursor *c, const char *key, size_t klen, int depth, void *ctx)
{
	struct walk *w = ctx;
	char s[ADDR_MAX];
	const char *why;
	struct tw_prefix p;
	size_t len;

	if (*c->p != '"') {
		tw_feed_bad_item(w->feed, w->field, strlen(w->field), "an address that is not a string");
		return value(c, depth);
	}
	if (!string(c, s, sizeof(s), &len))
		return false;
	if (len > sizeof(s))
		why = "not an address";
	else if (memchr(s, '\0', len))
		why = "contains a NUL byte";
	else
		why = parse_or_address(s, len, &p);
	if (why) {
		tw_feed_bad_item(w->feed, s, len < sizeof(s) ? len : sizeof(s), why);
		return true;
	}
	if (tw_feed_add(w->feed, &p)) {
		w->ret = -ENOMEM;
		return fail(c, "out of memory");
	}
	return true;
}

static bool relay_member(struct cursor *c, const char *key, size_t klen, int depth, void *ctx)
{
	struct walk *w = ctx;
	const char *field = klen == 12 && !memcmp(key, "or_addresses", 12)   ? "or_addresses" :
			    klen == 14 && !memcmp(key, "exit_addresses", 14) ? "exit_addresses" :
									      NULL;

	if (!field)
		return value(c, depth);
	if (*c->p != '[') {
		tw_feed_bad_item(w->feed, field, strlen(field), "not an array");
		return value(c, depth);
	}
	w->field = field;
	return members(c, depth, w, address);
}

static bool relay(struct cursor *c, const char *key, size_t klen, int depth, void *ctx)
{
	struct walk *w = ctx;

	w->feed->lines++;
	if (*c->p != '{') {
		tw_feed_bad_item(w->feed, "relay", 5, "a relay that is not an object");
		return value(c, depth);
	}
	return members(c, depth, w, relay_member);
}

static bool top_member(struct cursor *c, const char *key, size_t klen, int depth, void *ctx)
{
	struct walk *w = ctx;

	if (klen == 6 && !memcmp(key, "relays", 6) && *c->p == '[') {
		w->relays = true;
		return members(c, depth, w, relay);
	}
	if (klen == 16 && !memcmp(key, "relays_published", 16) && *c->p == '"') {
		char t[40];
		size_t len;

		if (!string(c, t, sizeof(t) - 1, &len))
			return false;
		t[len < sizeof(t) - 1 ? len : sizeof(t) - 1] = '\0';
		tw_feed_note_data_time(w->feed, tw_parse_utc(t));
		return true;
	}
	return value(c, depth);
}

int tw_feed_parse_onionoo(const char *buf, size_t len, struct tw_feed *feed, char *err,
			  size_t errlen)
{
	struct cursor c = { .p = buf, .start = buf, .end = buf + len };
	struct walk w = { .feed = feed };
	bool ok;

	memset(feed, 0, sizeof(*feed));
	feed->format = TW_FEED_ONIONOO;
	ws(&c);
	ok = c.p < c.end && *c.p == '{' ? members(&c, 1, &w, top_member) : value(&c, 1);
	if (ok) {
		ws(&c);
		if (c.p < c.end)
			ok = fail(&c, "text after the document");
	}
	if (w.ret) {
		tw_feed_free(feed);
		return w.ret;
	}
	if (!ok) {
		snprintf(err, errlen, "malformed Onionoo JSON at byte %zu: %s", (size_t)(c.p - c.start),
			 c.err);
		tw_feed_free(feed);
		return -EINVAL;
	}
	if (!w.relays) {
		snprintf(err, errlen, "not an Onionoo details document: no \"relays\" array");
		tw_feed_free(feed);
		return -EINVAL;
	}
	return 0;
}
