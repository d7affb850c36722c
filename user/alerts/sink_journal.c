// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The journal sink (journal:): each alert one journal entry whose fields a
 * query selects on (journalctl TORWATCH_RULE=ssh_from_tor): MESSAGE,
 * PRIORITY from the severity, SYSLOG_IDENTIFIER torwatch, TORWATCH_RULE,
 * TORWATCH_EVENT_ID, TORWATCH_SEVERITY, SOURCE_IP, SOURCE_PORT,
 * DESTINATION_IP, DESTINATION_PORT, PROCESS_PID, PROCESS_NAME, USER_NAME,
 * and the alert's JSON as TORWATCH_ALERT. Sent with libsystemd's
 * sd_journal_sendv from the delivery worker, so a journald that stalls never
 * holds the event loop; the queue and spool work as for the other sinks. */
#include "alerts/sink.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>
#include "alerts/delivery.h"
#include "alerts/ecs.h"

#define MAX_FIELDS 16
/* Where sd_journal_sendv sends. */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static bool journal_takes(const char *target)
{
	return !strcmp(target, "journal:");
}

/* The worker's send: the fields, packed NUL-separated in body, as one
 * entry. 0 when journald took it, -1 to try again later. */
static int send_entry(void *ctx, const char *body, size_t len, size_t n, char *why, size_t wlen)
{
	struct iovec iov[MAX_FIELDS];
	int k = 0, ret;

	(void)ctx;
	(void)n;
	for (const char *p = body; p < body + len && k < MAX_FIELDS;) {
		size_t flen = strnlen(p, (size_t)(body + len - p));

		iov[k++] = (struct iovec){ (void *)p, flen };
		p += flen + 1;
	}
	/* sd_journal_sendv drops an entry in silence when the socket is not
	 * there (journald stopped): ask first, and keep the alert queued. */
	if (access(JOURNAL_SOCKET, F_OK)) {
		snprintf(why, wlen, "cannot write to the journal: %s is not there (journald is not running)",
			 JOURNAL_SOCKET);
		return -1;
	}
	ret = sd_journal_sendv(iov, k);
	if (!ret)
		return 0;
	snprintf(why, wlen, "cannot write to the journal: %s", strerror(-ret));
	return -1;
}

static int journal_open(struct tw_sink *s, const char *target, char *err, size_t errlen)
{
	(void)target;
	/* Each entry carries everything: one alert per send. */
	return tw_sink_deliver_later(s, target, send_entry, NULL, 1, err, errlen);
}

/* Appends "KEY=value" and its NUL to buf (when value is there). */
static void field(char **buf, size_t *len, size_t *cap, const char *key, const char *value)
{
	size_t need;

	if (!value || !*buf)
		return;
	need = strlen(key) + 1 + strlen(value) + 1;
	if (*len + need > *cap) {
		char *grown = realloc(*buf, (*len + need) * 2);

		if (!grown) {
			free(*buf);
			*buf = NULL;
			return;
		}
		*buf = grown;
		*cap = (*len + need) * 2;
	}
	*len += (size_t)sprintf(*buf + *len, "%s=%s", key, value) + 1;
}

static int journal_write(struct tw_sink *s, const char *json, size_t len, struct json_object *alert)
{
	static const struct {
		const char *key, *path;
	} fields[] = {
		{ "MESSAGE", "message" },
		{ "TORWATCH_RULE", "rule.id" },
		{ "TORWATCH_EVENT_ID", "event.id" },
		{ "TORWATCH_SEVERITY", "log.level" },
		{ "SOURCE_IP", "source.ip" },
		{ "SOURCE_PORT", "source.port" },
		{ "DESTINATION_IP", "destination.ip" },
		{ "DESTINATION_PORT", "destination.port" },
		{ "PROCESS_PID", "process.pid" },
		{ "PROCESS_NAME", "process.name" },
		{ "USER_NAME", "user.name" },
	};
	const char *level = tw_json_get_string(alert, "log.level");
	size_t used = 0, cap = len + 1024;
	char *body = malloc(cap), prio[4], *copy;

	/* As journalctl -p reads it; info when unknown. */
	snprintf(prio, sizeof(prio), "%d", tw_sink_syslog_priority(level, 6));
	field(&body, &used, &cap, "PRIORITY", prio);
	field(&body, &used, &cap, "SYSLOG_IDENTIFIER", "torwatch");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct json_object *v = tw_json_get(alert, fields[i].path);

		if (v)
			field(&body, &used, &cap, fields[i].key, json_object_get_string(v));
	}
	copy = strndup(json, len);
	field(&body, &used, &cap, "TORWATCH_ALERT", copy);
	free(copy);
	if (!body)
		return -ENOMEM;
	return tw_delivery_push(s->later, body, used,
				json_object_get_int(tw_json_get(alert, "event.severity")));
}

static int journal_reopen(struct tw_sink *s, char *err, size_t errlen)
{
	(void)s;
	(void)err;
	(void)errlen;
	return 0;	/* each send finds journald's socket anew */
}

static void journal_close(struct tw_sink *s)
{
	tw_delivery_stop(s->later);
	s->later = NULL;
}

const struct tw_sink_ops tw_sink_journal = {
	.kind = "journal",
	.takes = journal_takes,
	.open = journal_open,
	.write = journal_write,
	.reopen = journal_reopen,
	.close = journal_close,
};
