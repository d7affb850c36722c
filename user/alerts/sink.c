// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/sink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The kinds, most specific first: the file sink takes whatever is left. */
static const struct tw_sink_ops *const kinds[] = {
	&tw_sink_file,
};

int tw_sink_open(struct tw_sink *s, const char *target, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->target, sizeof(s->target), "%s", target);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!kinds[i]->takes(target))
			continue;
		s->ops = kinds[i];
		return s->ops->open(s, target, err, errlen);
	}
	snprintf(err, errlen, "no kind of alert sink takes '%.64s'", target);
	return -EINVAL;
}
