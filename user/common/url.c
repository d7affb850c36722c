// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/url.h"

#include <stdio.h>
#include <string.h>

bool tw_is_feed_url(const char *feed)
{
	return !strncmp(feed, "http://", 7) || !strncmp(feed, "https://", 8);
}

void tw_url_redact(const char *url, char *out, size_t len)
{
	const char *scheme = strstr(url, "://");
	const char *host, *end, *at, *rest;

	if (!scheme) {
		snprintf(out, len, "%s", url);
		return;
	}
	host = scheme + 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	/* Paths and queries carry tokens as often as user:password does
	 * (Slack's /services/T/B/SECRET, ?token=): only that there is one. */
	rest = end;
	if (rest[0] == '/' && !rest[1])
		rest++;
	snprintf(out, len, "%.*s%.*s%s", (int)(scheme + 3 - url), url, (int)(end - host), host,
		 *rest ? "/..." : "");
}
