// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The keys of the config file's [source NAME], [sink NAME] and
 * [throttle RULE] sections (the [run] keys are the option table's). */
#include "config/run_opts.h"

#include <stdio.h>
#include <string.h>
#include "alerts/rules.h"
#include "common/url.h"
#include "config/builtin_sources.h"
#include "config/option_setters.h"

int tw_run_opts_set_source(struct tw_run_opts *o, const char *source, const char *key,
			   const char *v, char *err, size_t errlen)
{
	struct tw_source_conf *c = NULL;

	for (size_t i = 0; i < o->n_source_conf; i++)
		if (!strcmp(o->source_conf[i].name, source))
			c = &o->source_conf[i];
	if (!c) {
		if (o->n_source_conf == TW_MAX_SOURCES) {
			snprintf(err, errlen, "at most %d [source] sections", TW_MAX_SOURCES);
			return -1;
		}
		if (!*source || strlen(source) >= 64) {
			snprintf(err, errlen, "a source needs a name of 1 to 63 characters");
			return -1;
		}
		c = &o->source_conf[o->n_source_conf++];
		*c = (struct tw_source_conf){ .name = source, .enabled = -1, .format = -1 };
	}
	if (!strcmp(key, "enabled")) {
		bool b;

		if (tw_opt_bool_value(&b, key, v, err, errlen))
			return -1;
		c->enabled = b;
	} else if (!strcmp(key, "url")) {
		if (!tw_is_feed_url(v)) {
			snprintf(err, errlen, "url must start with http:// or https://, not '%.64s'", v);
			return -1;
		}
		c->url = v;
	} else if (!strcmp(key, "interval")) {
		if (tw_opt_duration_value(&c->interval_s, key, v, err, errlen))
			return -1;
	} else if (!strcmp(key, "format")) {
		if (!strcmp(v, "text"))
			c->format = TW_FEED_PLAIN;
		else if (!strcmp(v, "onionoo"))
			c->format = TW_FEED_ONIONOO;
		else {
			snprintf(err, errlen, "format must be text (plain or exit-addresses) or onionoo, not '%.32s'", v);
			return -1;
		}
	} else {
		snprintf(err, errlen, "unknown source setting '%.64s' (enabled, url, interval, format)", key);
		return -1;
	}
	return 0;
}

int tw_run_opts_set_sink(struct tw_run_opts *o, const char *sink, const char *key, const char *v,
			 char *err, size_t errlen)
{
	static const char *const levels[] = { "low", "medium", "high", "critical" };
	struct tw_sink_conf *c = NULL;

	for (size_t i = 0; i < o->n_sink_conf; i++)
		if (!strcmp(o->sink_conf[i].name, sink))
			c = &o->sink_conf[i];
	if (!c) {
		if (o->n_sink_conf == TW_MAX_SINKS) {
			snprintf(err, errlen, "at most %d [sink] sections", TW_MAX_SINKS);
			return -1;
		}
		if (!*sink || strlen(sink) >= 64) {
			snprintf(err, errlen, "a sink needs a name of 1 to 63 characters");
			return -1;
		}
		c = &o->sink_conf[o->n_sink_conf++];
		*c = (struct tw_sink_conf){ .name = sink };
	}
	if (!strcmp(key, "url")) {
		if (!*v) {
			snprintf(err, errlen, "url needs '-', a file path or a sink URL");
			return -1;
		}
		c->url = v;
	} else if (!strcmp(key, "min-severity")) {
		for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (!strcmp(v, levels[i])) {
				c->min_severity = v;
				return 0;
			}
		snprintf(err, errlen, "min-severity must be low, medium, high or critical, not '%.32s'", v);
		return -1;
	} else if (!strcmp(key, "rules")) {
		if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyz_,") != strlen(v)) {
			snprintf(err, errlen, "rules must be rule ids separated by commas (e.g. ssh_from_tor,unexpected_listen_port), not '%.64s'", v);
			return -1;
		}
		/* Names are checked against the catalogue, as [throttle RULE] is. */
		for (const char *p = v; *p;) {
			size_t len = strcspn(p, ",");
			char id[64];

			snprintf(id, sizeof(id), "%.*s", (int)(len < sizeof(id) ? len : sizeof(id) - 1), p);
			if (!tw_rule_find(id)) {
				char ids[512];

				tw_rule_ids(ids, sizeof(ids));
				snprintf(err, errlen, "rules: no rule is called '%s' (the rules: %s)", id,
					 ids);
				return -1;
			}
			p += len + (p[len] == ',');
		}
		c->rules = v;
	} else if (!strcmp(key, "token")) {
		c->token = v;
	} else if (!strcmp(key, "token-file")) {
		c->token_file = v;
	} else if (!strcmp(key, "header")) {
		const char *colon = strchr(v, ':');

		if (!colon || colon == v || strpbrk(v, "\r\n") || strlen(v) >= 256 ||
		    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
			    (size_t)(colon - v)) {
			snprintf(err, errlen, "header must be 'Name: value' on one line, under 256 characters, not '%.64s'", v);
			return -1;
		}
		if (c->n_headers == sizeof(c->headers) / sizeof(c->headers[0])) {
			snprintf(err, errlen, "at most %zu header lines per sink",
				 sizeof(c->headers) / sizeof(c->headers[0]));
			return -1;
		}
		c->headers[c->n_headers++] = v;
	} else if (!strcmp(key, "basic-auth-file")) {
		c->basic_auth_file = v;
	} else if (!strcmp(key, "queue-size")) {
		return tw_opt_count(&c->queue_size, key, v, 1, 1000000, err, errlen);
	} else if (!strcmp(key, "timeout")) {
		if (tw_opt_duration_value(&c->timeout_s, key, v, err, errlen))
			return -1;
	} else if (!strcmp(key, "spool-size")) {
		return tw_opt_count(&c->spool_mb, "spool-size (MiB)", v, 1, 65536, err, errlen);
	} else if (!strcmp(key, "spool")) {
		bool b;

		if (tw_opt_bool_value(&b, key, v, err, errlen))
			return -1;
		c->no_spool = !b;
	} else {
		snprintf(err, errlen, "unknown sink setting '%.64s' (url, min-severity, rules, token, token-file, header, basic-auth-file, queue-size, timeout, spool, spool-size)",
			 key);
		return -1;
	}
	return 0;
}

int tw_run_opts_set_throttle(struct tw_run_opts *o, const char *rule, const char *key,
			     const char *v, char *err, size_t errlen)
{
	const size_t max = sizeof(o->throttle_conf) / sizeof(o->throttle_conf[0]);
	struct tw_throttle_conf *c = NULL;

	for (size_t i = 0; i < o->n_throttle_conf; i++)
		if (!strcmp(o->throttle_conf[i].rule, rule))
			c = &o->throttle_conf[i];
	if (!c) {
		if (!tw_rule_find(rule)) {
			char ids[512];

			tw_rule_ids(ids, sizeof(ids));
			snprintf(err, errlen, "[throttle %.48s]: no rule is called that (the rules: %s)",
				 rule, ids);
			return -1;
		}
		if (o->n_throttle_conf == max) {
			snprintf(err, errlen, "at most %zu [throttle] sections", max);
			return -1;
		}
		c = &o->throttle_conf[o->n_throttle_conf++];
		*c = (struct tw_throttle_conf){ .rule = rule, .count = -1 };
	}
	if (!strcmp(key, "key")) {
		if (!*v || strlen(v) >= 48 ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyz_.") != strlen(v)) {
			snprintf(err, errlen, "key must be an alert field such as source.ip or destination.port, not '%.64s'", v);
			return -1;
		}
		c->key = v;
	} else if (!strcmp(key, "window")) {
		return tw_opt_duration_value(&c->window_s, key, v, err, errlen);
	} else if (!strcmp(key, "count")) {
		unsigned n;

		if (tw_opt_count(&n, key, v, 0, 1000000, err, errlen))
			return -1;
		c->count = (int)n;
	} else {
		snprintf(err, errlen, "unknown throttle setting '%.64s' (key, window, count; count = 0 turns it off)",
			 key);
		return -1;
	}
	return 0;
}
