/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Relay lists: what a file (or the built-in list) names as Tor relays, by
 * address and port, with the nickname and fingerprint when it gives them.
 * The text is hostile: a line that does not parse is counted, never
 * trusted, and a list that is mostly not addresses is refused. */
#ifndef TW_SENSORS_TORCLIENT_RELAY_LIST_H
#define TW_SENSORS_TORCLIENT_RELAY_LIST_H

#include <stddef.h>
#include <stdint.h>
#include "tw_tor_client.h"

struct tw_relay_entry {
	struct tw_relay_key key;	/* port 0: any port of the address */
	uint32_t sources;
	char nickname[20];
	char fingerprint[41];
};

struct tw_relay_list {
	struct tw_relay_entry *e;
	size_t n, cap;
	size_t lines, bad;	/* lines that named something, and those that did not parse */
};

/* Parses text as one relay list (the format is told from the text:
 * Onionoo details JSON, exit-addresses, or one ADDR[:PORT] per line) into
 * out, each entry with sources. 0, or -1 with one sentence in why: not a
 * relay list, or nothing in it. */
int tw_relay_list_parse(const char *text, size_t len, uint32_t sources, struct tw_relay_list *out,
			char *why, size_t whylen);
/* Adds every entry of from to into (sources OR'd for a key in both). */
int tw_relay_list_merge(struct tw_relay_list *into, const struct tw_relay_list *from);
/* Sorts by key and folds the duplicates. */
void tw_relay_list_sort(struct tw_relay_list *l);
/* The entry for key in a sorted list, or NULL. */
const struct tw_relay_entry *tw_relay_list_find(const struct tw_relay_list *l,
						const struct tw_relay_key *key);
void tw_relay_list_free(struct tw_relay_list *l);
/* "1.2.3.4:443", "[2001:db8::1]:443", or the address alone for port 0. */
void tw_relay_key_format(const struct tw_relay_key *k, char *buf, size_t len);

#endif
