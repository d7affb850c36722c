// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/torclient/relay_list.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/addr.h"

static int add(struct tw_relay_list *l, const struct tw_relay_entry *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct tw_relay_entry *n = realloc(l->e, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->e = n;
		l->cap = cap;
	}
	l->e[l->n++] = *e;
	return 0;
}

/* "ADDR", "ADDR:PORT", "[ADDR6]:PORT" or "ADDR6" (any port): one address,
 * never a prefix. 0, or -1. */
static int parse_endpoint(const char *text, struct tw_relay_key *key)
{
	char addr[64];
	const char *port = NULL, *why;
	struct tw_prefix p;
	size_t n;

	memset(key, 0, sizeof(*key));
	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (!end || end[1] != ':' || (size_t)(end - text - 1) >= sizeof(addr))
			return -1;
		n = (size_t)(end - text - 1);
		memcpy(addr, text + 1, n);
		addr[n] = '\0';
		port = end + 2;
	} else {
		const char *colon = strchr(text, ':');

		if (strlen(text) >= sizeof(addr))
			return -1;
		if (colon && !strchr(colon + 1, ':')) {	/* IPv4:PORT */
			n = (size_t)(colon - text);
			memcpy(addr, text, n);
			addr[n] = '\0';
			port = colon + 1;
		} else {
			snprintf(addr, sizeof(addr), "%s", text);
		}
	}
	if (strchr(addr, '/') || tw_prefix_parse(addr, &p, &why) || !tw_prefix_is_exact(&p))
		return -1;
	tw_prefix_to_in6(&p, key->addr.addr);
	if (port) {
		char *end;
		unsigned long v = strtoul(port, &end, 10);

		if (!*port || *end || v == 0 || v > 65535 || !isdigit((unsigned char)port[0]))
			return -1;
		key->port = (uint16_t)v;
	}
	return 0;
}

/* The relays of an Onionoo details document: or_addresses and
 * dir_address, with nickname and fingerprint. */
static int parse_onionoo(const char *text, size_t len, uint32_t sources,
			 struct tw_relay_list *out, char *why, size_t whylen)
{
	struct json_tokener *tok = json_tokener_new_ex(32);
	struct json_object *doc, *relays;
	int ret = 0;

	if (!tok)
		return -1;
	doc = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (!doc || !json_object_object_get_ex(doc, "relays", &relays) ||
	    !json_object_is_type(relays, json_type_array)) {
		snprintf(why, whylen, "not an Onionoo details document (no \"relays\" array)");
		json_object_put(doc);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(relays) && !ret; i++) {
		struct json_object *r = json_object_array_get_idx(relays, i), *v, *ors;
		struct tw_relay_entry e = { .sources = sources };

		if (json_object_object_get_ex(r, "nickname", &v))
			snprintf(e.nickname, sizeof(e.nickname), "%s", json_object_get_string(v));
		if (json_object_object_get_ex(r, "fingerprint", &v))
			snprintf(e.fingerprint, sizeof(e.fingerprint), "%s", json_object_get_string(v));
		if (json_object_object_get_ex(r, "or_addresses", &ors) &&
		    json_object_is_type(ors, json_type_array))
			for (size_t k = 0; k < json_object_array_length(ors) && !ret; k++) {
				const char *s = json_object_get_string(json_object_array_get_idx(ors, k));

				out->lines++;
				if (!s || parse_endpoint(s, &e.key) || !e.key.port)
					out->bad++;
				else
					ret = add(out, &e);
			}
		if (json_object_object_get_ex(r, "dir_address", &v) && !ret) {
			out->lines++;
			if (parse_endpoint(json_object_get_string(v), &e.key) || !e.key.port)
				out->bad++;
			else
				ret = add(out, &e);
		}
	}
	json_object_put(doc);
	return ret;
}

/* One line of text: "ADDR[:PORT] [# role nickname fingerprint]", or an
 * exit-addresses "ExitAddress ADDR DATE TIME" (any port). */
static int parse_line(char *line, uint32_t sources, struct tw_relay_list *out)
{
	struct tw_relay_entry e = { .sources = sources };
	char *comment = strchr(line, '#'), *save, *first;

	if (comment)
		*comment++ = '\0';
	first = strtok_r(line, " \t\r", &save);
	if (!first || first[0] == '@')	/* exit-addresses' "@type tordnsel 1.0" */
		return 0;
	if (!strcmp(first, "ExitAddress"))
		first = strtok_r(NULL, " \t\r", &save);
	else if (isalpha((unsigned char)first[0]) && !strchr(first, ':'))
		return 0;	/* exit-addresses' other fields (ExitNode, Published) */
	out->lines++;
	if (!first || parse_endpoint(first, &e.key)) {
		out->bad++;
		return 0;
	}
	if (comment) {	/* the built-in list's "role nickname fingerprint" */
		char *role = strtok_r(comment, " \t\r", &save);
		char *nick = role ? strtok_r(NULL, " \t\r", &save) : NULL;
		char *fp = nick ? strtok_r(NULL, " \t\r", &save) : NULL;

		if (nick)
			snprintf(e.nickname, sizeof(e.nickname), "%s", nick);
		if (fp && strlen(fp) == 40)
			snprintf(e.fingerprint, sizeof(e.fingerprint), "%s", fp);
	}
	return add(out, &e);
}

int tw_relay_list_parse(const char *text, size_t len, uint32_t sources, struct tw_relay_list *out,
			char *why, size_t whylen)
{
	size_t start = 0;
	int ret = 0;

	while (start < len && isspace((unsigned char)text[start]))
		start++;
	if (start < len && text[start] == '{') {
		if (parse_onionoo(text + start, len - start, sources, out, why, whylen))
			return -1;
	} else {
		for (size_t i = start; i < len && !ret;) {
			char line[512];
			size_t end = i, n;

			while (end < len && text[end] != '\n')
				end++;
			n = end - i < sizeof(line) - 1 ? end - i : sizeof(line) - 1;
			memcpy(line, text + i, n);
			line[n] = '\0';
			if (memchr(line, '\0', n)) {	/* binary: not a list */
				out->lines++;
				out->bad++;
			} else {
				ret = parse_line(line, sources, out);
			}
			i = end + 1;
		}
		if (ret)
			return ret;
	}
	if (!out->n) {
		snprintf(why, whylen, "no relay address in it (%zu lines not understood)", out->bad);
		return -1;
	}
	if (out->bad > out->lines / 2) {
		snprintf(why, whylen, "not a relay list: %zu of %zu lines are not ADDR[:PORT]",
			 out->bad, out->lines);
		return -1;
	}
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct tw_relay_key));
}

void tw_relay_list_sort(struct tw_relay_list *l)
{
	size_t w = 0;

	if (!l->n)
		return;
	qsort(l->e, l->n, sizeof(*l->e), key_cmp);
	for (size_t r = 1; r < l->n; r++) {
		if (!key_cmp(&l->e[w].key, &l->e[r].key)) {
			l->e[w].sources |= l->e[r].sources;
			if (!l->e[w].nickname[0])
				memcpy(l->e[w].nickname, l->e[r].nickname, sizeof(l->e[w].nickname));
			if (!l->e[w].fingerprint[0])
				memcpy(l->e[w].fingerprint, l->e[r].fingerprint,
				       sizeof(l->e[w].fingerprint));
		} else {
			l->e[++w] = l->e[r];
		}
	}
	l->n = w + 1;
}

int tw_relay_list_merge(struct tw_relay_list *into, const struct tw_relay_list *from)
{
	for (size_t i = 0; i < from->n; i++)
		if (add(into, &from->e[i]))
			return -ENOMEM;
	return 0;
}

const struct tw_relay_entry *tw_relay_list_find(const struct tw_relay_list *l,
						const struct tw_relay_key *key)
{
	return l->n ? bsearch(key, l->e, l->n, sizeof(*l->e), key_cmp) : NULL;
}

void tw_relay_list_free(struct tw_relay_list *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
}

void tw_relay_key_format(const struct tw_relay_key *k, char *buf, size_t len)
{
	struct tw_prefix p;
	char ip[TW_ADDR_STRLEN];

	tw_prefix_from_in6(k->addr.addr, &p);
	tw_prefix_format(&p, ip, sizeof(ip));
	if (!k->port)
		snprintf(buf, len, "%s", ip);
	else if (p.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, k->port);
	else
		snprintf(buf, len, "%s:%u", ip, k->port);
}
