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
	const char *host = scheme ? scheme + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = memchr(host, '@', (size_t)(end - host));
	const char *colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;

	if (!colon) {
		snprintf(out, len, "%s", url);
		return;
	}
	snprintf(out, len, "%.*s:***%s", (int)(colon - url), url, at);
}
