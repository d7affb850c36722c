// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/sink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "alerts/delivery.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/url.h"

#define QUEUE_DEFAULT 10000
#define TIMEOUT_DEFAULT_S 10
#define SPOOL_DEFAULT_MB 64
#define BODY_MAX (1u << 20)	/* one alert, rendered: HEC's and most receivers' limit */

/* The kinds, most specific first: the file sink takes whatever is left. */
static const struct tw_sink_ops *const kinds[] = {
	&tw_sink_syslog,
	&tw_sink_journal,
	&tw_sink_webhook,
	&tw_sink_file,
};

int tw_sink_open(struct tw_sink *s, const char *target, const struct tw_sink_settings *set,
		 char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (set)
		s->settings = *set;
	if (!strcmp(target, "-"))
		snprintf(s->shown, sizeof(s->shown), "stdout");
	else if (set && set->name[0] && strstr(target, "://")) {
		char where[sizeof(s->shown)];

		tw_url_redact(target, where, sizeof(where));
		snprintf(s->shown, sizeof(s->shown), "[sink %.40s] %.180s", set->name, where);
	} else
		tw_url_redact(target, s->shown, sizeof(s->shown));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!kinds[i]->takes(target))
			continue;
		s->ops = kinds[i];
		return s->ops->open(s, target, err, errlen);
	}
	snprintf(err, errlen, "no alert sink takes '%.64s' (known: '-', a file path, journal:, syslog:, syslog:PATH, syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT, webhook+http(s)://..., slack+https://..., hec+http(s)://HOST:PORT, es+http(s)://HOST:PORT/INDEX)",
		 s->shown);
	return -EINVAL;
}

void tw_sink_count(struct tw_sink *s, int ret)
{
	if (ret) {
		if (!s->failing) {
			s->failing = true;
			s->failed_before = s->failed;
			tw_warn("cannot write alerts to %s: %s; each is counted as failed until it works again",
				s->shown, strerror(-ret));
		}
		s->failed++;
		snprintf(s->counts.last_error, sizeof(s->counts.last_error), "%s", strerror(-ret));
		return;
	}
	if (s->failing) {
		s->failing = false;
		tw_info("%s takes alerts again; %llu could not be written meanwhile", s->shown,
			(unsigned long long)(s->failed - s->failed_before));
	}
	s->written++;
}

int tw_sink_syslog_priority(const char *level, int unknown)
{
	static const struct {
		const char *word;
		int prio;
	} map[] = { { "critical", 2 }, { "high", 3 }, { "medium", 4 }, { "low", 5 }, { "info", 6 } };

	for (size_t i = 0; level && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(level, map[i].word))
			return map[i].prio;
	return unknown;
}

unsigned tw_sink_timeout_s(const struct tw_sink *s)
{
	return s->settings.timeout_s ? s->settings.timeout_s : TIMEOUT_DEFAULT_S;
}

/* NAME-HASH.spool: the section's name for people, a hash of the target so
 * that a sink pointed elsewhere never sends what was spooled for the old. */
static void spool_path(const struct tw_sink *s, const char *target, char *out, size_t len)
{
	uint64_t h = tw_fnv1a(TW_FNV1A_INIT, target, strlen(target));
	char name[64];
	size_t i;

	snprintf(name, sizeof(name), "%s", s->settings.name[0] ? s->settings.name : "alerts");
	for (i = 0; name[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    name[i]))
			name[i] = '_';
	snprintf(out, len, "%s/%s-%016llx.spool", s->settings.spool_dir, name,
		 (unsigned long long)h);
}

int tw_sink_deliver_later(struct tw_sink *s, const char *target,
			  int (*send)(void *ctx, const char *body, size_t len, size_t n, char *why,
				      size_t wlen),
			  void *ctx, size_t batch_max, char *err, size_t errlen)
{
	const struct tw_sink_settings *set = &s->settings;
	struct tw_delivery_conf conf = {
		.send = send,
		.ctx = ctx,
		.queue_max = set->queue_max ? set->queue_max : QUEUE_DEFAULT,
		.batch_max = batch_max,
		.body_max = BODY_MAX,
		.spool_max = tw_sink_spool_max(s),
	};
	char path[512];
	int ret;

	if (set->check_only)
		return 0;
	ret = tw_sink_spool_prepare(s, target, path, sizeof(path), err, errlen);
	if (ret < 0)
		return ret;
	if (ret)
		conf.spool_path = path;
	return tw_delivery_start(&s->later, &s->counts, s->shown, &conf, err, errlen);
}

int tw_sink_spool_prepare(const struct tw_sink *s, const char *target, char *path, size_t len,
			  char *err, size_t errlen)
{
	const char *dir = s->settings.spool_dir;

	if (!dir[0])
		return 0;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int ret = -errno;

		snprintf(err, errlen, "sink %s: cannot create the spool directory %s: %s", s->shown,
			 dir, strerror(-ret));
		return ret;
	}
	spool_path(s, target, path, len);
	return 1;
}

uint64_t tw_sink_spool_max(const struct tw_sink *s)
{
	return (uint64_t)(s->settings.spool_mb ? s->settings.spool_mb : SPOOL_DEFAULT_MB) << 20;
}
