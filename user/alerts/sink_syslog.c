// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The syslog sink: RFC 5424 messages to the local socket (syslog: or
 * syslog:PATH), or to a collector over UDP (one message per datagram) or
 * TCP (octet-counted framing, RFC 6587). APP-NAME torwatch, MSGID the rule
 * id, severity from the alert's, structured data with the rule and the
 * event id, the alert's JSON as MSG. */
#include "alerts/sink.h"

#include <errno.h>
#include <json-c/json.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/time.h>
#include <unistd.h>
#include "alerts/delivery.h"
#include "alerts/ecs.h"

#define TW_SYSLOG_FACILITY 4	/* security/authorization messages */
#define TW_SYSLOG_PEN "32473"	/* the example enterprise number of RFC 5612 */

enum transport { LOCAL, UDP, TCP };

struct syslog_sink {
	enum transport how;
	int fd;			/* -1 until connected */
	char host[256], port[16];
	char path[108];		/* LOCAL */
	unsigned timeout_s;	/* a write that blocks longer fails */
	bool reconnect;		/* set by SIGHUP: connect anew (atomic) */
};

static bool syslog_takes(const char *target)
{
	return !strncmp(target, "syslog:", 7) || !strncmp(target, "syslog+udp://", 13) ||
	       !strncmp(target, "syslog+tcp://", 13);
}

/* HOST:PORT or [V6]:PORT. */
static int split_host_port(const char *hp, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon;

	if (*hp == '[') {
		const char *end = strchr(hp, ']');

		if (!end || end[1] != ':')
			return -1;
		snprintf(host, hlen, "%.*s", (int)(end - hp - 1), hp + 1);
		colon = end + 1;
	} else {
		colon = strrchr(hp, ':');
		if (!colon)
			return -1;
		snprintf(host, hlen, "%.*s", (int)(colon - hp), hp);
	}
	snprintf(port, plen, "%s", colon + 1);
	return *host && atoi(port) > 0 && atoi(port) < 65536 ? 0 : -1;
}

/* A collector that stops reading must not hold the worker for ever. */
static void set_send_timeout(int fd, unsigned seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int connect_sink(struct syslog_sink *ss)
{
	struct addrinfo hints = { .ai_socktype = ss->how == TCP ? SOCK_STREAM : SOCK_DGRAM }, *ai, *a;
	int fd = -1, ret;

	if (ss->how == LOCAL) {
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		snprintf(un.sun_path, sizeof(un.sun_path), "%s", ss->path);
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&un, sizeof(un))) {
			ret = -errno;
			if (fd >= 0)
				close(fd);
			return ret;
		}
		ss->fd = fd;
		return 0;
	}
	ret = getaddrinfo(ss->host, ss->port, &hints, &ai);
	if (ret)
		return ret == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	ret = -ECONNREFUSED;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		if (!connect(fd, a->ai_addr, a->ai_addrlen))
			break;
		ret = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return ret;
	set_send_timeout(fd, ss->timeout_s);
	ss->fd = fd;
	return 0;
}

/* RFC 5424 severities from the alert's words (notice when unknown). */
static int severity_of(const char *level)
{
	return tw_sink_syslog_priority(level, 5);
}

/* An SD-PARAM value: '"', '\' and ']' escaped with a backslash (RFC 5424
 * 6.3.3), control bytes as '?'. */
static size_t sd_value(char *out, size_t len, const char *v)
{
	size_t o = 0;

	for (; v && *v && o + 3 < len; v++) {
		if (*v == '"' || *v == '\\' || *v == ']')
			out[o++] = '\\';
		/* A control byte (a newline in a process name) would split the
		 * line at many collectors: the JSON in MSG keeps it, escaped. */
		out[o++] = (unsigned char)*v < 0x20 || *v == 0x7f ? '?' : *v;
	}
	out[o] = '\0';
	return o;
}

/* PRINTUSASCII without space, as HOSTNAME, APP-NAME and MSGID must be. */
static void header_token(char *out, size_t len, const char *v, size_t max)
{
	size_t o = 0;

	for (; v && *v && o + 1 < len && o < max; v++)
		out[o++] = *v > 32 && *v < 127 ? *v : '_';
	if (!o)
		out[o++] = '-';
	out[o] = '\0';
}

/* A collector never writes to us: a readable socket is one it closed. A
 * write into it would still succeed, and the line would be lost. */
static bool peer_gone(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* The delivery worker's send: n messages (TCP: frames) in one write, or
 * one datagram. 0 when the socket took them, -1 to try again later. */
static int send_messages(void *ctx, const char *body, size_t len, size_t n, char *why,
			 size_t wlen)
{
	struct syslog_sink *ss = ctx;
	int ret = 0;

	if (__atomic_exchange_n(&ss->reconnect, false, __ATOMIC_RELAXED) && ss->fd >= 0) {
		close(ss->fd);
		ss->fd = -1;
	}
	bool connecting = false;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (ss->how == TCP && ss->fd >= 0 && peer_gone(ss->fd)) {
			close(ss->fd);
			ss->fd = -1;
		}
		connecting = ss->fd < 0;
		if (ss->fd < 0 && (ret = connect_sink(ss)))
			break;
		connecting = false;
		if (send(ss->fd, body, len, MSG_NOSIGNAL) == (ssize_t)len)
			return 0;
		/* Cut short or refused: a collector that restarted gets one new
		 * connection, and the whole batch again (at least once). */
		ret = errno ? -errno : -EIO;
		close(ss->fd);
		ss->fd = -1;
		if (ss->how == UDP && ret != -ECONNREFUSED)
			break;
	}
	/* Name what failed: the socket's path or the collector. */
	if (ss->how == LOCAL)
		snprintf(why, wlen, "cannot %s %s: %s", connecting ? "connect to" : "send to", ss->path,
			 strerror(-ret));
	else
		snprintf(why, wlen, "cannot %s %s:%s: %s", connecting ? "connect to" : "send to",
			 ss->host, ss->port, strerror(-ret));
	/* A datagram too big for the path never fits: refused for good. */
	return ret == -EMSGSIZE ? (int)n : -1;
}

static int syslog_open(struct tw_sink *s, const char *target, char *err, size_t errlen)
{
	struct syslog_sink *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return -ENOMEM;
	s->priv = ss;
	ss->fd = -1;
	if (!strncmp(target, "syslog:", 7) && strncmp(target, "syslog:/", 8) &&
	    target[7] != '\0') {
		snprintf(err, errlen, "syslog sink '%.64s': use syslog: (the local socket), syslog:/PATH, syslog+udp://HOST:PORT or syslog+tcp://HOST:PORT",
			 s->shown);
		return -EINVAL;
	}
	if (!strncmp(target, "syslog:", 7) && strncmp(target, "syslog+", 7)) {
		ss->how = LOCAL;
		snprintf(ss->path, sizeof(ss->path), "%s", target[7] ? target + 7 : "/dev/log");
		/* Logs and status name the socket: syslog:/dev/log, not syslog:. */
		if (!strcmp(s->shown, "syslog:"))
			snprintf(s->shown, sizeof(s->shown), "syslog:%s", ss->path);
	} else {
		ss->how = !strncmp(target, "syslog+tcp://", 13) ? TCP : UDP;
		if (split_host_port(target + 13, ss->host, sizeof(ss->host), ss->port,
				    sizeof(ss->port))) {
			snprintf(err, errlen, "syslog sink '%.64s': name HOST:PORT (e.g. syslog+udp://10.0.0.5:514)",
				 s->shown);
			return -EINVAL;
		}
	}
	ss->timeout_s = tw_sink_timeout_s(s);
	/* A collector that is down now may be up later: connect on first use. */
	if (!s->settings.check_only)
		connect_sink(ss);
	/* TCP frames go many to a write; a datagram carries one message. */
	return tw_sink_deliver_later(s, target, send_messages, ss, ss->how == TCP ? 100 : 1, err,
				     errlen);
}

static int syslog_write(struct tw_sink *s, const char *json, size_t len, struct json_object *alert)
{
	char head[1024], host[256], msgid[33], rule[256], id[128], ts[64], proc[100] = "";
	char procval[80], *body;
	const char *level = tw_json_get_string(alert, "log.level");
	struct syslog_sink *ss = s->priv;
	int hlen, blen;

	header_token(ts, sizeof(ts), tw_json_get_string(alert, "@timestamp"), 40);
	header_token(host, sizeof(host), tw_json_get_string(alert, "host.hostname"), 255);
	header_token(msgid, sizeof(msgid), tw_json_get_string(alert, "rule.id"), 32);
	sd_value(rule, sizeof(rule), tw_json_get_string(alert, "rule.id"));
	sd_value(id, sizeof(id), tw_json_get_string(alert, "event.id"));
	/* The process name is the attacker's text: escaped as an SD-PARAM. */
	if (tw_json_get_string(alert, "process.name")) {
		sd_value(procval, sizeof(procval), tw_json_get_string(alert, "process.name"));
		snprintf(proc, sizeof(proc), " process=\"%s\"", procval);
	}
	hlen = snprintf(head, sizeof(head), "<%d>1 %s %s torwatch %d %s [torwatch@" TW_SYSLOG_PEN
			" rule=\"%s\" severity=\"%d\" id=\"%s\"%s] ",
			TW_SYSLOG_FACILITY * 8 + severity_of(level), ts, host, (int)getpid(), msgid,
			rule, severity_of(level), id, proc);
	if (hlen < 0 || (size_t)hlen >= sizeof(head))
		return -EOVERFLOW;
	/* TCP: octet counting, "LEN " before each message. */
	if (ss->how == TCP)
		blen = asprintf(&body, "%zu %s%.*s", (size_t)hlen + len, head, (int)len, json);
	else
		blen = asprintf(&body, "%s%.*s", head, (int)len, json);
	if (blen < 0)
		return -ENOMEM;
	return tw_delivery_push(s->later, body, (size_t)blen,
				json_object_get_int(tw_json_get(alert, "event.severity")));
}

static int syslog_reopen(struct tw_sink *s, char *err, size_t errlen)
{
	struct syslog_sink *ss = s->priv;

	/* The worker owns the socket: it connects anew before its next send. */
	__atomic_store_n(&ss->reconnect, true, __ATOMIC_RELAXED);
	return 0;
}

static void syslog_close(struct tw_sink *s)
{
	struct syslog_sink *ss = s->priv;

	if (!ss)
		return;
	tw_delivery_stop(s->later);
	s->later = NULL;
	if (ss->fd >= 0)
		close(ss->fd);
	free(ss);
	s->priv = NULL;
}

const struct tw_sink_ops tw_sink_syslog = {
	.kind = "syslog",
	.takes = syslog_takes,
	.open = syslog_open,
	.write = syslog_write,
	.reopen = syslog_reopen,
	.close = syslog_close,
};
