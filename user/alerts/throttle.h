/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-rule throttling, as Suricata's and Emerging Threats' "threshold:
 * type limit": per rule, at most count alerts per key (a field of the
 * alert, such as source.ip) within a window. What it holds back is counted,
 * and the next alert of that key carries the count
 * (torwatch.throttle.suppressed). */
#ifndef TW_THROTTLE_H
#define TW_THROTTLE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define TW_THROTTLE_MAX_RULES 16
#define TW_THROTTLE_KEY_LEN 64

struct tw_throttle_rule {
	char rule[48];		/* rule.id */
	char key[48];		/* the alert field that tells keys apart; "" for one key */
	uint64_t window_ns;
	uint32_t count;		/* alerts per key and window */
};

struct tw_throttle_slot;

struct tw_throttle {
	struct tw_throttle_rule rules[TW_THROTTLE_MAX_RULES];
	unsigned n_rules;
	struct tw_throttle_slot *slots;	/* open addressing, TW_THROTTLE_SLOTS */
	unsigned used;			/* slots taken */
	uint64_t last_sweep_ns;
	uint64_t suppressed;	/* alerts held back, all rules */
	uint64_t overflow;	/* alerts let through because the table was full */
};

/* The defaults: tor_traffic and tor_blocked by source.ip, 60 s, 1. */
void tw_throttle_defaults(struct tw_throttle *t);
/* Sets (or, with count 0, removes) rule's throttle. 0, or -EINVAL for an
 * unknown rule, -E2BIG past TW_THROTTLE_MAX_RULES. */
int tw_throttle_set(struct tw_throttle *t, const char *rule, const char *key,
		    uint64_t window_ns, uint32_t count);
/* rule's throttle, or NULL. */
const struct tw_throttle_rule *tw_throttle_find(const struct tw_throttle *t, const char *rule);
/* Does alert go out at now_ns? When it does after others of its key were
 * held back, it carries their count. */
bool tw_throttle_pass(struct tw_throttle *t, struct json_object *alert, uint64_t now_ns);
void tw_throttle_free(struct tw_throttle *t);

#endif
