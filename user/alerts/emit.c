// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/emit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common/log.h"

int tw_emitter_add(struct tw_emitter *e, const char *target, char *err, size_t errlen)
{
	int ret;

	if (e->n_sinks == TW_MAX_SINKS) {
		snprintf(err, errlen, "at most %d alert sinks", TW_MAX_SINKS);
		return -E2BIG;
	}
	ret = tw_sink_open(&e->sinks[e->n_sinks], target, err, errlen);
	if (ret) {
		struct tw_sink *s = &e->sinks[e->n_sinks];

		if (s->ops)
			s->ops->close(s);
		return ret;
	}
	e->n_sinks++;
	return 0;
}

void tw_emit(struct tw_emitter *e, struct json_object *alert)
{
	const char *line;
	size_t len;

	if (!alert)
		return;
	line = json_object_to_json_string_ext(alert, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(line);
	e->emitted++;
	for (size_t i = 0; i < e->n_sinks; i++) {
		struct tw_sink *s = &e->sinks[i];
		int ret = s->ops->write(s, line, len, alert);

		if (ret) {
			s->failed++;
			tw_warn("cannot write an alert to %s: %s", s->shown, strerror(-ret));
		} else {
			s->written++;
		}
	}
	json_object_put(alert);
}

void tw_emitter_reopen(struct tw_emitter *e)
{
	char err[512];

	for (size_t i = 0; i < e->n_sinks; i++) {
		struct tw_sink *s = &e->sinks[i];

		if (s->ops->reopen(s, err, sizeof(err)))
			tw_warn("%s; alerts still go to the file opened before", err);
	}
}

void tw_emitter_close(struct tw_emitter *e)
{
	for (size_t i = 0; i < e->n_sinks; i++)
		e->sinks[i].ops->close(&e->sinks[i]);
	e->n_sinks = 0;
}
