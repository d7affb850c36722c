// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/fetch.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "common/quiet_thread.h"
#include "common/timeutil.h"
#include "common/realtime.h"

/* One download: the request, what has arrived so far, and its result. */
struct transfer {
	struct transfer *next;
	struct transfer *prev_active, *next_active;
	struct tw_fetch_request req;
	struct tw_fetch_result *res;
	CURL *easy;
	struct curl_slist *headers;
	size_t cap;
	bool too_big;
	uint64_t start_ns;	/* CLOCK_MONOTONIC */
};

struct tw_fetcher {
	pthread_t thread;
	pthread_mutex_t lock;
	CURLM *multi;
	int efd;
	bool quit;
	struct transfer *pending;	/* submitted, not yet handed to curl */
	struct transfer *done;		/* finished, not yet taken (newest first) */
	struct transfer *active;	/* inside curl; the worker's alone */
};

int tw_fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) ? -EINVAL : 0;
}

const char *tw_fetch_user_agent(void)
{
	return "torwatch/" TORWATCH_VERSION " (+https://github.com/torwatch/torwatch)";
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	struct tw_fetch_result *r = t->res;
	size_t len = size * n;

	/* Counted after gzip: a small compressed body cannot grow past the limit. */
	if (r->len + len > t->req.limits.max_body) {
		t->too_big = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (r->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 65536;
		char *b;

		while (cap < r->len + len + 1)
			cap *= 2;
		b = realloc(r->body, cap);
		if (!b)
			return 0;
		r->body = b;
		t->cap = cap;
	}
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/* Keeps a validator header's value: printable ASCII only, else nothing. */
static void keep_header(char *dst, const char *v, size_t len)
{
	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	dst[0] = '\0';
	if (len >= TW_FETCH_VALIDATOR_LEN)
		return;
	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)v[i]))
			return;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;

	/* A new status line (after a redirect): forget the earlier response's. */
	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		t->res->etag[0] = t->res->last_modified[0] = '\0';
	} else if (len > 5 && !strncasecmp(data, "ETag:", 5)) {
		keep_header(t->res->etag, data + 5, len - 5);
	} else if (len > 14 && !strncasecmp(data, "Last-Modified:", 14)) {
		keep_header(t->res->last_modified, data + 14, len - 14);
	}
	return len;
}

static void add_header(struct transfer *t, const char *name, const char *value)
{
	char line[TW_FETCH_VALIDATOR_LEN + 32];

	snprintf(line, sizeof(line), "%s: %s", name, value);
	t->headers = curl_slist_append(t->headers, line);
}

static int start_transfer(struct tw_fetcher *f, struct transfer *t)
{
	const struct tw_fetch_limits *l = &t->req.limits;
	bool https = !strncasecmp(t->req.url, "https://", 8);
	CURL *e = curl_easy_init();

	if (!e)
		return -ENOMEM;
	t->easy = e;
	t->start_ns = tw_now_mono_ns();
	if (t->req.etag[0])
		add_header(t, "If-None-Match", t->req.etag);
	if (t->req.last_modified[0])
		add_header(t, "If-Modified-Since", t->req.last_modified);
	curl_easy_setopt(e, CURLOPT_URL, t->req.url);
	/* A stop must not wait for a name look-up that hangs (no DNS server
	 * answering: glibc tries for 10 s): its thread is left to end alone. */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Never from https down to http on a redirect. */
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (l->ca_file[0])
		curl_easy_setopt(e, CURLOPT_CAINFO, l->ca_file);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)l->connect_timeout_s);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)l->timeout_s);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)l->max_body);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl decodes: gzip too */
	curl_easy_setopt(e, CURLOPT_USERAGENT, tw_fetch_user_agent());
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	/* Proxies: libcurl reads http_proxy, https_proxy and no_proxy itself. */
	if (curl_multi_add_handle(f->multi, e))
		return -EINVAL;
	t->next_active = f->active;
	if (f->active)
		f->active->prev_active = t;
	f->active = t;
	return 0;
}

static void unlink_active(struct tw_fetcher *f, struct transfer *t)
{
	if (t->prev_active)
		t->prev_active->next_active = t->next_active;
	else
		f->active = t->next_active;
	if (t->next_active)
		t->next_active->prev_active = t->prev_active;
	t->prev_active = t->next_active = NULL;
	curl_multi_remove_handle(f->multi, t->easy);
}

static void finish(struct transfer *t, CURLcode code)
{
	struct tw_fetch_result *r = t->res;

	r->seconds = (double)(tw_now_mono_ns() - t->start_ns) / TW_NS_PER_SEC;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->http_status);
	r->ok = code == CURLE_OK;
	if (t->too_big || code == CURLE_FILESIZE_EXCEEDED)
		snprintf(r->error, sizeof(r->error), "the body is larger than the %zu-byte limit",
			 t->req.limits.max_body);
	else if (code == CURLE_OPERATION_TIMEDOUT)
		snprintf(r->error, sizeof(r->error), "timed out after %.1f s (%s)", r->seconds,
			 curl_easy_strerror(code));
	else if (code != CURLE_OK)
		snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(code));
	if (!r->ok) {
		r->ok = false;
		free(r->body);
		r->body = NULL;
		r->len = 0;
	}
	if (r->ok && r->http_status == 200 && r->body && t->req.digest) {
		r->digest = t->req.digest(r->body, r->len, t->req.digest_arg);
		r->free_digest = t->req.free_digest;
	}
}

static void free_transfer(struct transfer *t)
{
	curl_slist_free_all(t->headers);
	if (t->easy)
		curl_easy_cleanup(t->easy);
	tw_fetch_result_free(t->res);
	free(t);
}

static void hand_back(struct tw_fetcher *f, struct transfer *t)
{
	uint64_t one = 1;

	pthread_mutex_lock(&f->lock);
	t->next = f->done;
	f->done = t;
	pthread_mutex_unlock(&f->lock);
	if (write(f->efd, &one, sizeof(one)) < 0)
		return; /* the counter is already non-zero */
}

static void *worker(void *arg)
{
	struct tw_fetcher *f = arg;

	for (;;) {
		struct transfer *new;
		CURLMsg *m;
		int running, left;

		pthread_mutex_lock(&f->lock);
		if (f->quit) {
			pthread_mutex_unlock(&f->lock);
			break;
		}
		new = f->pending;
		f->pending = NULL;
		pthread_mutex_unlock(&f->lock);
		while (new) {
			struct transfer *t = new;

			new = t->next;
			if (start_transfer(f, t)) {
				snprintf(t->res->error, sizeof(t->res->error), "cannot start the download");
				hand_back(f, t);
			}
		}
		curl_multi_perform(f->multi, &running);
		while ((m = curl_multi_info_read(f->multi, &left))) {
			struct transfer *t;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			finish(t, m->data.result);
			unlink_active(f, t);
			hand_back(f, t);
		}
		/* Sleeps until curl's own next timeout, a socket, or a wakeup (submit, quit). */
		curl_multi_poll(f->multi, NULL, 0, 60000, NULL);
	}
	return NULL;
}

struct tw_fetcher *tw_fetcher_new(void)
{
	struct tw_fetcher *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	tw_mutex_init_pi(&f->lock);
	int ret = -1;

	f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->multi = curl_multi_init();
	if (f->efd >= 0 && f->multi)
		ret = tw_quiet_thread_start(&f->thread, TW_CAPS_NONE, worker, f);
	if (ret) {
		if (f->multi)
			curl_multi_cleanup(f->multi);
		if (f->efd >= 0)
			close(f->efd);
		free(f);
		return NULL;
	}
	return f;
}

int tw_fetcher_fd(const struct tw_fetcher *f)
{
	return f->efd;
}

int tw_fetcher_submit(struct tw_fetcher *f, const struct tw_fetch_request *req)
{
	struct transfer *t = calloc(1, sizeof(*t));

	if (!t || !(t->res = calloc(1, sizeof(*t->res)))) {
		free(t);
		return -ENOMEM;
	}
	t->req = *req;
	t->res->id = req->id;
	pthread_mutex_lock(&f->lock);
	t->next = f->pending;
	f->pending = t;
	pthread_mutex_unlock(&f->lock);
	curl_multi_wakeup(f->multi);
	return 0;
}

struct tw_fetch_result *tw_fetcher_next(struct tw_fetcher *f)
{
	struct tw_fetch_result *r = NULL;
	struct transfer *t;
	uint64_t n;

	pthread_mutex_lock(&f->lock);
	t = f->done;
	if (t) {
		f->done = t->next;
		r = t->res;
		t->res = NULL;
	}
	if (!f->done && read(f->efd, &n, sizeof(n)) < 0)
		n = 0; /* nothing was signalled */
	pthread_mutex_unlock(&f->lock);
	if (t)
		free_transfer(t);
	return r;
}

void tw_fetch_result_free(struct tw_fetch_result *r)
{
	if (!r)
		return;
	if (r->digest && r->free_digest)
		r->free_digest(r->digest);
	free(r->body);
	free(r);
}

static void free_list(struct transfer *t)
{
	while (t) {
		struct transfer *next = t->next;

		free_transfer(t);
		t = next;
	}
}

void tw_fetcher_free(struct tw_fetcher *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->quit = true;
	pthread_mutex_unlock(&f->lock);
	curl_multi_wakeup(f->multi);
	pthread_join(f->thread, NULL);
	while (f->active) {
		struct transfer *t = f->active;

		unlink_active(f, t);
		free_transfer(t);
	}
	free_list(f->pending);
	free_list(f->done);
	curl_multi_cleanup(f->multi);
	close(f->efd);
	free(f);
}
