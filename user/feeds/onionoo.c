// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "feeds/onionoo.h"

#include <errno.h>
#include <json-c/json.h>
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

static int add_addresses(struct tw_feed *feed, struct json_object *relay, const char *field)
{
	struct json_object *arr;

	if (!json_object_object_get_ex(relay, field, &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array)) {
		tw_feed_bad_item(feed, field, strlen(field), "not an array");
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *s, *why;
		struct tw_prefix p;
		size_t len;

		if (!json_object_is_type(v, json_type_string)) {
			tw_feed_bad_item(feed, field, strlen(field), "an address that is not a string");
			continue;
		}
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (memchr(s, '\0', len)) {
			tw_feed_bad_item(feed, s, len, "contains a NUL byte");
			continue;
		}
		why = parse_or_address(s, len, &p);
		if (why) {
			tw_feed_bad_item(feed, s, len, why);
			continue;
		}
		if (tw_feed_add(feed, &p))
			return -ENOMEM;
	}
	return 0;
}

int tw_feed_parse_onionoo(const char *buf, size_t len, struct tw_feed *feed, char *err,
			  size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *doc = NULL, *relays, *published;
	int ret = 0;

	memset(feed, 0, sizeof(*feed));
	feed->format = TW_FEED_ONIONOO;
	if (!tok)
		return -ENOMEM;
	if (len > INT_MAX) {
		snprintf(err, errlen, "the Onionoo document is too large");
		ret = -EINVAL;
		goto out;
	}
	doc = json_tokener_parse_ex(tok, buf, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		/* Whitespace after the document is fine; anything else is not. */
		size_t end = json_tokener_get_parse_end(tok);

		while (doc && end < len && strchr(" \t\r\n", buf[end]))
			end++;
		if (!doc || end < len) {
			snprintf(err, errlen, "malformed Onionoo JSON at byte %zu: %s",
				 json_tokener_get_parse_end(tok),
				 json_tokener_error_desc(json_tokener_get_error(tok)));
			ret = -EINVAL;
			goto out;
		}
	}
	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "relays", &relays) ||
	    !json_object_is_type(relays, json_type_array)) {
		snprintf(err, errlen, "not an Onionoo details document: no \"relays\" array");
		ret = -EINVAL;
		goto out;
	}
	if (json_object_object_get_ex(doc, "relays_published", &published) &&
	    json_object_is_type(published, json_type_string))
		tw_feed_note_data_time(feed, tw_parse_utc(json_object_get_string(published)));
	for (size_t i = 0; i < json_object_array_length(relays) && !ret; i++) {
		struct json_object *r = json_object_array_get_idx(relays, i);

		feed->lines = i + 1;
		if (!json_object_is_type(r, json_type_object)) {
			tw_feed_bad_item(feed, "relay", 5, "a relay that is not an object");
			continue;
		}
		ret = add_addresses(feed, r, "or_addresses");
		if (!ret)
			ret = add_addresses(feed, r, "exit_addresses");
	}
out:
	if (ret)
		tw_feed_free(feed);
	json_object_put(doc);
	json_tokener_free(tok);
	return ret;
}
