// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "metrics/metrics_http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "common/quiet_thread.h"
#include "common/timeutil.h"
#include "metrics/prometheus.h"

#define MAX_CONNECTIONS 32
#define PER_CLIENT 4			/* connections from one address */
#define HEADER_DEADLINE_NS (5ULL * TW_NS_PER_SEC)	/* a request's headers, whole */

/* A connection and when its current request began: MHD's idle timeout is
 * reset by every byte, so a client sending one a second would hold it for
 * ever. All of it is touched from the serve thread alone. */
struct conn_slot {
	int fd;			/* -1: free */
	uint64_t since_ns;
	bool headers_in;
};

struct tw_metrics_http {
	struct MHD_Daemon *mhd;
	struct conn_slot conns[MAX_CONNECTIONS + 1];
	pthread_t thread;	/* ours, not MHD's: it holds CAP_BPF alone */
	atomic_bool stop;
	struct tw_pinned pins;	/* read-only */
	char root[256];
	struct tw_port_set ports;
	const struct tw_geo *geo;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct tw_metrics_http *h = cls;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (ci && ci->socket_context)
		((struct conn_slot *)ci->socket_context)->headers_in = true;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET /metrics\n", 13,
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "torwatch serves /metrics\n", 25,
			     MHD_RESPMEM_PERSISTENT);
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	ret = tw_metrics_write(f, h->root, &h->pins, &h->ports, h->geo);
	fclose(f);
	if (ret) {
		free(body);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			     "the pinned state cannot be read\n", 32, MHD_RESPMEM_PERSISTENT);
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len,
		     MHD_RESPMEM_MUST_FREE);
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into an address to bind. */
static int resolve(const char *listen, struct sockaddr_storage *sa, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_PASSIVE },
			*ai = NULL;
	char host[128] = "", *port;
	const char *colon = strrchr(listen, ':');
	int rc;

	if (!colon || !colon[1] || (size_t)(colon - listen) >= sizeof(host)) {
		snprintf(err, errlen, "--metrics-listen takes ADDR:PORT (e.g. 127.0.0.1:9477, [::1]:9477, :9477), not '%.64s'",
			 listen);
		return -EINVAL;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	port = (char *)colon + 1;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (rc || !ai) {
		snprintf(err, errlen, "--metrics-listen '%.64s': %s", listen, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

int tw_metrics_listen_check(const char *listen, char *err, size_t errlen)
{
	struct sockaddr_storage sa;

	return resolve(listen, &sa, err, errlen);
}

/* The server runs on a thread of ours (MHD's own would start with every
 * capability the daemon has while it starts); a stop is seen within the
 * wait's bound. */
static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
			  enum MHD_ConnectionNotificationCode what)
{
	struct tw_metrics_http *h = cls;
	const union MHD_ConnectionInfo *ci;

	if (what == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (*ctx)
			((struct conn_slot *)*ctx)->fd = -1;
		return;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	for (size_t i = 0; ci && i < sizeof(h->conns) / sizeof(h->conns[0]); i++)
		if (h->conns[i].fd < 0) {
			h->conns[i] = (struct conn_slot){ .fd = ci->connect_fd,
							  .since_ns = tw_now_mono_ns() };
			*ctx = &h->conns[i];
			return;
		}
}

/* A keep-alive connection's next request gets its own deadline. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_ctx,
			 enum MHD_RequestTerminationCode why)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_slot *slot = ci ? ci->socket_context : NULL;

	if (slot) {
		slot->headers_in = false;
		slot->since_ns = tw_now_mono_ns();
	}
}

/* Connections whose request headers are not in by the deadline are shut
 * down; MHD then reads the end and closes them. */
static void cut_slow_clients(struct tw_metrics_http *h)
{
	uint64_t now = tw_now_mono_ns();

	for (size_t i = 0; i < sizeof(h->conns) / sizeof(h->conns[0]); i++) {
		struct conn_slot *c = &h->conns[i];

		if (c->fd >= 0 && !c->headers_in && now - c->since_ns > HEADER_DEADLINE_NS) {
			shutdown(c->fd, SHUT_RDWR);
			c->since_ns = now;	/* once is enough */
		}
	}
}

static void *serve(void *p)
{
	struct tw_metrics_http *h = p;

	tw_thread_background();
	while (!atomic_load(&h->stop)) {
		MHD_run_wait(h->mhd, 200);
		cut_slow_clients(h);
	}
	return NULL;
}

struct tw_metrics_http *tw_metrics_http_start(const char *listen, const char *root,
					      const struct tw_port_set *ports,
					      const struct tw_geo *geo, char *err, size_t errlen)
{
	struct tw_metrics_http *h = calloc(1, sizeof(*h));
	struct sockaddr_storage sa = {};
	char why[256];

	if (!h || resolve(listen, &sa, err, errlen)) {
		free(h);
		return NULL;
	}
	snprintf(h->root, sizeof(h->root), "%s", root);
	h->ports = *ports;
	h->geo = geo;
	for (size_t i = 0; i < sizeof(h->conns) / sizeof(h->conns[0]); i++)
		h->conns[i].fd = -1;
	if (tw_pinned_open(root, &h->pins, false, why, sizeof(why))) {
		snprintf(err, errlen, "the metrics cannot read the pinned state: %s", why);
		free(h);
		return NULL;
	}
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL |
				  (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				  0, NULL, NULL, on_request, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_CLIENT,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				  MHD_OPTION_END);
	if (!h->mhd) {
		int e = errno ? errno : EADDRINUSE;

		snprintf(err, errlen, "cannot serve metrics on %s: %s (%s)", listen, strerror(e),
			 e == EACCES ? "a port below 1024 needs CAP_NET_BIND_SERVICE: pick a higher one" :
				       "is the port in use?");
		tw_pinned_close(&h->pins);
		free(h);
		return NULL;
	}
	if (tw_quiet_thread_start(&h->thread, TW_CAPS_MAPS, serve, h)) {
		snprintf(err, errlen, "cannot start the metrics thread");
		MHD_stop_daemon(h->mhd);
		tw_pinned_close(&h->pins);
		free(h);
		return NULL;
	}
	return h;
}

void tw_metrics_http_stop(struct tw_metrics_http *h)
{
	if (!h)
		return;
	atomic_store(&h->stop, true);
	pthread_join(h->thread, NULL);
	MHD_stop_daemon(h->mhd);
	tw_pinned_close(&h->pins);
	free(h);
}
