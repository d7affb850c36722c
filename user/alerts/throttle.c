// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One table for every throttled rule: open addressing on (rule, key), each
 * slot a window's start, the alerts let out in it and those held back.
 * When it is three quarters full the slots of closed windows are swept
 * (at most once a second); a key that finds no room is let through and
 * counted, so a flood of distinct keys costs memory once, never an alert. */
#include "alerts/throttle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alerts/ecs.h"
#include "alerts/rules.h"
#include "common/hash.h"
#include "common/timeutil.h"

#define TW_THROTTLE_SLOTS (1u << 16)
#define SWEEP_EVERY_NS TW_NS_PER_SEC

struct tw_throttle_slot {
	uint64_t hash;		/* 0: free */
	uint64_t start_ns;	/* the window's */
	uint32_t sent, held;
	uint8_t rule;
	char key[TW_THROTTLE_KEY_LEN];
};

void tw_throttle_defaults(struct tw_throttle *t)
{
	tw_throttle_set(t, "tor_traffic", "source.ip", TW_ALERT_WINDOW_NS, 1);
	tw_throttle_set(t, "tor_blocked", "source.ip", TW_ALERT_WINDOW_NS, 1);
}

int tw_throttle_set(struct tw_throttle *t, const char *rule, const char *key,
		    uint64_t window_ns, uint32_t count)
{
	unsigned i;

	if (!tw_rule_find(rule))
		return -EINVAL;
	for (i = 0; i < t->n_rules && strcmp(t->rules[i].rule, rule); i++)
		;
	if (!count) {
		/* Removed: the last takes its place; slots of the old index lapse. */
		if (i < t->n_rules)
			t->rules[i] = t->rules[--t->n_rules];
		free(t->slots);
		t->slots = NULL;
		t->used = 0;
		return 0;
	}
	if (i == TW_THROTTLE_MAX_RULES)
		return -E2BIG;
	if (i == t->n_rules)
		t->n_rules++;
	snprintf(t->rules[i].rule, sizeof(t->rules[i].rule), "%s", rule);
	snprintf(t->rules[i].key, sizeof(t->rules[i].key), "%s", key ? key : "");
	t->rules[i].window_ns = window_ns;
	t->rules[i].count = count;
	return 0;
}

const struct tw_throttle_rule *tw_throttle_find(const struct tw_throttle *t, const char *rule)
{
	for (unsigned i = 0; i < t->n_rules; i++)
		if (!strcmp(t->rules[i].rule, rule))
			return &t->rules[i];
	return NULL;
}

static uint64_t hash_of(unsigned rule, const char *key)
{
	uint64_t h = tw_fnv1a(TW_FNV1A_INIT ^ rule, key, strlen(key));

	return h ? h : 1;	/* 0 marks a free slot */
}

static struct tw_throttle_slot *find(struct tw_throttle *t, uint64_t h, unsigned rule,
				     const char *key, bool *found)
{
	for (unsigned i = (unsigned)h & (TW_THROTTLE_SLOTS - 1);;
	     i = (i + 1) & (TW_THROTTLE_SLOTS - 1)) {
		struct tw_throttle_slot *s = &t->slots[i];

		if (!s->hash) {
			*found = false;
			return s;
		}
		if (s->hash == h && s->rule == rule && !strcmp(s->key, key)) {
			*found = true;
			return s;
		}
	}
}

/* Keeps the slots whose window is still open, rehashed into a new table. */
static void sweep(struct tw_throttle *t, uint64_t now_ns)
{
	struct tw_throttle_slot *old = t->slots;

	t->slots = calloc(TW_THROTTLE_SLOTS, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return;
	}
	t->used = 0;
	for (unsigned i = 0; i < TW_THROTTLE_SLOTS; i++) {
		const struct tw_throttle_slot *s = &old[i];
		bool found;

		if (!s->hash || now_ns - s->start_ns >= t->rules[s->rule].window_ns)
			continue;
		*find(t, s->hash, s->rule, s->key, &found) = *s;
		t->used++;
	}
	t->last_sweep_ns = now_ns;
	free(old);
}

bool tw_throttle_pass(struct tw_throttle *t, struct json_object *alert, uint64_t now_ns)
{
	const char *rule_id = tw_json_get_string(alert, "rule.id");
	char key[TW_THROTTLE_KEY_LEN] = "";
	struct tw_throttle_slot *s;
	unsigned r;
	bool found;

	for (r = 0; rule_id && r < t->n_rules && strcmp(t->rules[r].rule, rule_id); r++)
		;
	if (!rule_id || r == t->n_rules)
		return true;
	if (t->rules[r].key[0]) {
		struct json_object *v = tw_json_get(alert, t->rules[r].key);

		/* Cut to the slot's size, so that a long key still finds itself. */
		snprintf(key, sizeof(key), "%s", v ? json_object_get_string(v) : "");
	}
	if (!t->slots) {
		t->slots = calloc(TW_THROTTLE_SLOTS, sizeof(*t->slots));
		if (!t->slots)
			return true;
	}
	if (t->used >= TW_THROTTLE_SLOTS / 4 * 3 && now_ns - t->last_sweep_ns >= SWEEP_EVERY_NS)
		sweep(t, now_ns);
	s = find(t, hash_of(r, key), r, key, &found);
	if (!found) {
		if (t->used >= TW_THROTTLE_SLOTS / 8 * 7) {
			t->overflow++;
			return true;
		}
		*s = (struct tw_throttle_slot){ .hash = hash_of(r, key), .rule = (uint8_t)r,
						 .start_ns = now_ns };
		snprintf(s->key, sizeof(s->key), "%s", key);
		t->used++;
	} else if (now_ns - s->start_ns >= t->rules[r].window_ns) {
		s->start_ns = now_ns;
		s->sent = 0;
	}
	if (s->sent >= t->rules[r].count) {
		s->held++;
		t->suppressed++;
		return false;
	}
	s->sent++;
	if (s->held) {
		tw_json_set(alert, "torwatch.throttle.suppressed", json_object_new_int64(s->held));
		tw_json_set(alert, "torwatch.throttle.window_s",
			    json_object_new_int64((int64_t)(t->rules[r].window_ns / TW_NS_PER_SEC)));
		s->held = 0;
	}
	return true;
}

void tw_throttle_free(struct tw_throttle *t)
{
	free(t->slots);
	t->slots = NULL;
	t->used = 0;
}
