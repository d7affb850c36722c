// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/emit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "alerts/ecs.h"
#include "alerts/rules.h"
#include "alerts/sink_thread.h"
#include "geo/geo.h"
#include "common/log.h"
#include "common/timeutil.h"

/* How long a stop waits for the writer threads to write what is queued. */
#define WRITER_STOP_MS 5000

int tw_emitter_add(struct tw_emitter *e, const char *target, char *err, size_t errlen)
{
	return tw_emitter_add_with(e, target, NULL, err, errlen);
}

int tw_emitter_add_with(struct tw_emitter *e, const char *target,
			const struct tw_sink_settings *set, char *err, size_t errlen)
{
	int ret;

	if (e->n_sinks == TW_MAX_SINKS) {
		snprintf(err, errlen, "at most %d alert sinks", TW_MAX_SINKS);
		return -E2BIG;
	}
	ret = tw_sink_open(&e->sinks[e->n_sinks], target, set, err, errlen);
	if (!ret && e->sinks[e->n_sinks].ops->own_thread && !(set && set->check_only))
		ret = tw_sink_thread_start(&e->sinks[e->n_sinks], err, errlen);
	if (ret) {
		struct tw_sink *s = &e->sinks[e->n_sinks];

		if (s->ops)
			s->ops->close(s);
		return ret;
	}
	e->n_sinks++;
	return 0;
}

int tw_emitter_filter_last(struct tw_emitter *e, const char *min_severity, const char *rules,
			   char *err, size_t errlen)
{
	struct tw_sink *s;
	char copy[512], *save, *tok;
	size_t used = 1;

	if (!e->n_sinks)
		return -EINVAL;
	s = &e->sinks[e->n_sinks - 1];
	s->min_score = min_severity ? tw_severity_score(min_severity) : 0;
	s->rules[0] = '\0';
	if (!rules)
		return 0;
	snprintf(copy, sizeof(copy), "%s", rules);
	snprintf(s->rules, sizeof(s->rules), ",");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!tw_rule_find(tok)) {
			snprintf(err, errlen, "sink %s: no rule is called '%.64s'", s->shown, tok);
			return -EINVAL;
		}
		used += (size_t)snprintf(s->rules + used, sizeof(s->rules) - used, "%s,", tok);
	}
	return 0;
}

/* Does s's filter let alert through? */
static bool takes(const struct tw_sink *s, struct json_object *alert)
{
	struct json_object *sev = tw_json_get(alert, "event.severity");
	const char *rule = tw_json_get_string(alert, "rule.id");
	char key[80];

	if (s->min_score && sev && json_object_get_int(sev) < s->min_score)
		return false;
	if (!s->rules[0])
		return true;
	if (!rule)
		return false;
	snprintf(key, sizeof(key), ",%s,", rule);
	return strstr(s->rules, key) != NULL;
}

/* side.geo (and side.as) from the address in side.ip, when the databases
 * know it: every alert about a source or destination gets its country. */
static void add_geo(const struct tw_geo *g, struct json_object *alert, const char *side)
{
	struct json_object *ip;
	struct tw_geo_result r;
	uint8_t addr[16];
	char path[48];
	int family;

	snprintf(path, sizeof(path), "%s.ip", side);
	ip = tw_json_get(alert, path);
	if (!ip || !json_object_is_type(ip, json_type_string))
		return;
	family = strchr(json_object_get_string(ip), ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, json_object_get_string(ip), addr) != 1 ||
	    !tw_geo_lookup(g, family, addr, &r))
		return;
	if (r.iso[0]) {
		snprintf(path, sizeof(path), "%s.geo.country_iso_code", side);
		tw_json_set(alert, path, json_object_new_string(r.iso));
	}
	if (r.name[0]) {
		snprintf(path, sizeof(path), "%s.geo.country_name", side);
		tw_json_set(alert, path, json_object_new_string(r.name));
	}
	if (r.asn) {
		snprintf(path, sizeof(path), "%s.as.number", side);
		tw_json_set(alert, path, json_object_new_int64(r.asn));
	}
	if (r.as_org[0]) {
		snprintf(path, sizeof(path), "%s.as.organization.name", side);
		tw_json_set(alert, path, json_object_new_string(r.as_org));
	}
}

/* The alert in the ring of recent ones ('top' shows them). */
static void remember(struct tw_emitter *e, struct json_object *alert)
{
	struct tw_recent_alert *r = &e->recent[e->emitted % TW_RECENT_ALERTS];
	struct json_object *v;

	memset(r, 0, sizeof(*r));
	r->number = e->emitted;
	r->at_ns = (uint64_t)tw_now_unix_ns();
	if ((v = tw_json_get(alert, "rule.id")))
		snprintf(r->rule, sizeof(r->rule), "%s", json_object_get_string(v));
	if ((v = tw_json_get(alert, "log.level")))
		snprintf(r->severity, sizeof(r->severity), "%s", json_object_get_string(v));
	if ((v = tw_json_get(alert, "message")))
		snprintf(r->message, sizeof(r->message), "%s", json_object_get_string(v));
	/* 'top' shows this line alone: say whose traffic when the message
	 * does not (tor_traffic's is the rule's name). */
	if ((v = tw_json_get(alert, "source.ip")) && !strstr(r->message, json_object_get_string(v))) {
		size_t used = strlen(r->message);

		snprintf(r->message + used, sizeof(r->message) - used, " from %s",
			 json_object_get_string(v));
	}
}

static void count_rule(struct tw_emitter *e, struct json_object *alert)
{
	struct json_object *rule, *id;
	int i;

	if (json_object_object_get_ex(alert, "rule", &rule) &&
	    json_object_object_get_ex(rule, "id", &id) &&
	    (i = tw_rule_index(json_object_get_string(id))) >= 0 && i < TW_MAX_RULES)
		e->by_rule[i]++;
}

void tw_emit(struct tw_emitter *e, struct json_object *alert)
{
	const char *line;
	size_t len;

	if (!alert)
		return;
	if (!tw_throttle_pass(&e->throttle, alert, tw_now_mono_ns())) {
		json_object_put(alert);
		return;
	}
	if (e->geo) {
		add_geo(e->geo, alert, "source");
		add_geo(e->geo, alert, "destination");
	}
	line = json_object_to_json_string_ext(alert, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(line);
	e->emitted++;
	count_rule(e, alert);
	remember(e, alert);
	for (size_t i = 0; i < e->n_sinks; i++) {
		struct tw_sink *s = &e->sinks[i];

		if (!takes(s, alert)) {
			s->filtered++;
			continue;
		}
		if (s->own) {
			struct json_object *sev = tw_json_get(alert, "event.severity");

			/* Counted by the writer; a line the full queue dropped, here. */
			tw_sink_thread_push(s->own, line, len, sev ? json_object_get_int(sev) : 0);
			continue;
		}
		tw_sink_count(s, s->ops->write(s, line, len, alert));
	}
	json_object_put(alert);
}

void tw_emitter_reopen(struct tw_emitter *e)
{
	char err[512];

	for (size_t i = 0; i < e->n_sinks; i++) {
		struct tw_sink *s = &e->sinks[i];

		if (s->own)
			tw_sink_thread_reopen(s->own);
		else if (s->ops->reopen(s, err, sizeof(err)))
			tw_warn("%s; alerts still go to the file opened before", err);
	}
}

bool tw_emitter_flush(struct tw_emitter *e, unsigned wait_ms)
{
	bool all = true;

	for (size_t i = 0; i < e->n_sinks; i++)
		if (e->sinks[i].own)
			all &= tw_sink_thread_flush(e->sinks[i].own, wait_ms);
	return all;
}

void tw_emitter_close(struct tw_emitter *e)
{
	for (size_t i = 0; i < e->n_sinks; i++) {
		struct tw_sink *s = &e->sinks[i];

		/* A writer stuck in a write keeps its sink: it may still use it. */
		if (tw_sink_thread_stop(s->own, WRITER_STOP_MS))
			s->ops->close(s);
	}
	e->n_sinks = 0;
	tw_throttle_free(&e->throttle);
}
