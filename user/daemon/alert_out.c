// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The daemon's alert exit at start: the sinks of --alerts and of the
 * [sink NAME] sections (with their secrets read from files), and the
 * throttles of the [throttle RULE] sections over the defaults. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common/log.h"
#include "geo/geo.h"
#include "common/timeutil.h"
#include "daemon/state.h"

/* The first line of a secret's file, without its newline: 0, or -errno
 * (-ENODATA when it is empty). */
static int read_secret(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] ? 0 : -ENODATA;
}

/* A sink's secrets, from the config or their files; one sentence on failure. */
static int read_secrets(const struct tw_sink_conf *c, struct tw_sink_settings *set)
{
	int ret;

	if (c->token)
		snprintf(set->token, sizeof(set->token), "%s", c->token);
	if (c->token_file && (ret = read_secret(c->token_file, set->token, sizeof(set->token)))) {
		tw_err("[sink %s]: cannot read token-file %s: %s", c->name, c->token_file,
		       strerror(-ret));
		return ret;
	}
	if (c->basic_auth_file &&
	    (ret = read_secret(c->basic_auth_file, set->basic_auth, sizeof(set->basic_auth)))) {
		tw_err("[sink %s]: cannot read basic-auth-file %s: %s", c->name,
		       c->basic_auth_file, strerror(-ret));
		return ret;
	}
	if (c->basic_auth_file && !strchr(set->basic_auth, ':')) {
		tw_err("[sink %s]: basic-auth-file %s must hold user:password on its first line",
		       c->name, c->basic_auth_file);
		return -EINVAL;
	}
	return 0;
}

/* What every sink shares: where sinks spool (the high alerts of the file and
 * stdout sinks, everything the network sinks have not delivered). */
static struct tw_sink_settings sink_defaults(const struct tw_daemon *d)
{
	struct tw_sink_settings set = {};

	snprintf(set.spool_dir, sizeof(set.spool_dir), "%s/spool", d->opts->state_dir);
	set.check_only = d->check_only;
	return set;
}

/* The country (and ASN) databases every alert's addresses are looked up in;
 * their paths go into meta, so that 'stats' uses the same. */
static int open_geo(struct tw_daemon *d)
{
	const char *country, *asn;
	char err[512];

	if (tw_geo_open(&d->geo, d->opts->geoip, d->opts->asn_db, err, sizeof(err))) {
		tw_err("%s", err);
		return -EINVAL;
	}
	d->alerts.geo = d->geo;
	country = tw_geo_country_source(d->geo);
	asn = tw_geo_asn_source(d->geo);
	if (country)
		tw_info("countries: %s%s%s", country, asn ? "; networks: " : "", asn ? asn : "");
	else
		tw_info("countries: no database (install tor-geoipdb, or name an .mmdb with --geoip); alerts carry no source.geo");
	snprintf(d->pub.meta.geoip, sizeof(d->pub.meta.geoip), "%s",
		 !country ? "" : d->opts->geoip && *d->opts->geoip ? d->opts->geoip : TW_GEO_TOR_DEFAULT);
	snprintf(d->pub.meta.asn_db, sizeof(d->pub.meta.asn_db), "%s", asn ? d->opts->asn_db : "");
	return 0;
}

int daemon_alerts_open(struct tw_daemon *d)
{
	char err[512];
	int ret = 0;

	for (size_t i = 0; !ret && i < d->opts->n_alerts; i++) {
		struct tw_sink_settings set = sink_defaults(d);

		if ((ret = tw_emitter_add_with(&d->alerts, d->opts->alerts[i], &set, err,
					       sizeof(err))))
			tw_err("%s", err);
	}
	for (size_t i = 0; !ret && i < d->opts->n_sink_conf; i++) {
		const struct tw_sink_conf *c = &d->opts->sink_conf[i];
		struct tw_sink_settings set = sink_defaults(d);

		snprintf(set.name, sizeof(set.name), "%s", c->name);
		set.queue_max = c->queue_size;
		set.timeout_s = c->timeout_s;
		set.spool_mb = c->spool_mb;
		if (c->no_spool)
			set.spool_dir[0] = '\0';
		for (size_t h = 0; h < c->n_headers; h++)
			snprintf(set.headers[h], sizeof(set.headers[h]), "%s", c->headers[h]);
		if (!c->url) {
			tw_err("[sink %s] needs a url (as --alerts takes it)", c->name);
			ret = -EINVAL;
		} else if ((ret = read_secrets(c, &set))) {
			/* said */
		} else if ((ret = tw_emitter_add_with(&d->alerts, c->url, &set, err, sizeof(err))) ||
			   (ret = tw_emitter_filter_last(&d->alerts, c->min_severity, c->rules, err,
							 sizeof(err)))) {
			tw_err("[sink %s]: %s", c->name, err);
		}
	}
	tw_throttle_defaults(&d->alerts.throttle);
	for (size_t i = 0; !ret && i < d->opts->n_throttle_conf; i++) {
		const struct tw_throttle_conf *c = &d->opts->throttle_conf[i];
		const struct tw_throttle_rule *now = tw_throttle_find(&d->alerts.throttle, c->rule);
		char key[48];

		/* Unset keys keep the rule's default, else the source address. */
		snprintf(key, sizeof(key), "%s", c->key ? c->key : now ? now->key : "source.ip");
		ret = tw_throttle_set(&d->alerts.throttle, c->rule, key,
				      c->window_s ? (uint64_t)c->window_s * TW_NS_PER_SEC : TW_ALERT_WINDOW_NS,
				      c->count >= 0 ? (uint32_t)c->count : 1);
	}
	return ret ? ret : open_geo(d);
}
