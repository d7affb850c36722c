// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/sink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common/url.h"

/* The kinds, most specific first: the file sink takes whatever is left. */
static const struct tw_sink_ops *const kinds[] = {
	&tw_sink_syslog,
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
	else
		tw_url_redact(target, s->shown, sizeof(s->shown));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!kinds[i]->takes(target))
			continue;
		s->ops = kinds[i];
		return s->ops->open(s, target, err, errlen);
	}
	snprintf(err, errlen, "no alert sink takes '%.64s' (known: '-', a file path, syslog:, syslog:PATH, syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT, webhook+http(s)://..., slack+https://..., hec+http(s)://HOST:PORT, es+http(s)://HOST:PORT/INDEX)",
		 s->shown);
	return -EINVAL;
}
