// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "feeds/feed_alerts.h"

#include <stdio.h>
#include "alerts/ecs.h"
#include "common/timeutil.h"
#include "common/url.h"
#include "common/fetch.h"
#include "common/plural.h"

static void set_str(struct json_object *a, const char *path, const char *v)
{
	tw_json_set(a, path, json_object_new_string(v));
}

struct json_object *tw_feed_alert_rejected(const struct tw_source *s, const char *why,
					   int64_t now_ns)
{
	char msg[512], url[1024];
	struct json_object *a;

	snprintf(msg, sizeof(msg), "Exit list %s refused: %s; the last good data (%zu %s) stays",
		 s->name, why, s->n_seen, tw_plural(s->n_seen, "entry", "entries"));
	a = tw_alert_new(&tw_rule_feed_rejected, msg, now_ns);
	set_str(a, "event.category", "configuration");
	set_str(a, "event.reason", why);
	set_str(a, "torwatch.feed.name", s->name);
	tw_url_redact(s->url, url, sizeof(url));
	set_str(a, "torwatch.feed.url", url);
	if (s->http_status)
		tw_json_set(a, "http.response.status_code", json_object_new_int((int)s->http_status));
	tw_json_set(a, "torwatch.feed.entries_kept", json_object_new_int64((int64_t)s->n_seen));
	return a;
}

struct json_object *tw_feed_alert_stale(const struct tw_sources *ss, int64_t newest,
					unsigned stale_after_s, int64_t now_ns)
{
	int64_t now = now_ns / (int64_t)TW_NS_PER_SEC;
	struct json_object *a, *failing = json_object_new_array();
	char msg[512], age[32], limit[32], when[32];

	tw_format_age(now - newest, age, sizeof(age));
	tw_format_age(stale_after_s, limit, sizeof(limit));
	tw_format_iso8601(newest, when, sizeof(when));
	if (newest)
		snprintf(msg, sizeof(msg), "The exit set's newest good data is %s old (from %s), more than the %s allowed: Tor exits that appeared since are not detected",
			 age, when, limit);
	else
		snprintf(msg, sizeof(msg), "The exit set has no good data from any source");
	a = tw_alert_new(&tw_rule_feed_stale, msg, now_ns);
	set_str(a, "event.category", "configuration");
	if (newest) {
		set_str(a, "torwatch.feed.newest_data", when);
		tw_json_set(a, "torwatch.feed.age_s", json_object_new_int64(now - newest));
	}
	tw_json_set(a, "torwatch.feed.stale_after_s", json_object_new_int64(stale_after_s));
	for (unsigned i = 0; i < ss->n; i++) {
		const struct tw_source *s = &ss->s[i];
		struct json_object *j;

		if (s->kind != TW_SOURCE_URL || s->state == TW_SRC_OK ||
		    s->state == TW_SRC_NOT_MODIFIED)
			continue;
		j = json_object_new_object();
		json_object_object_add(j, "name", json_object_new_string(s->name));
		json_object_object_add(j, "state",
				       json_object_new_string(tw_source_state_name(s->state)));
		if (s->error[0])
			tw_json_set(j, "error", json_object_new_string(s->error));
		json_object_array_add(failing, j);
	}
	tw_json_set(a, "torwatch.feed.failing", failing);
	return a;
}
