// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* HTTP sinks, through libcurl on a thread of their own per sink, behind a
 * bounded queue: a slow or dead receiver never holds up the event loop or
 * another sink. Failures are retried with backoff and jitter; a receiver
 * that refuses an alert for good (4xx) gets it dropped and counted.
 *   webhook+http(s)://...   the alert's JSON, POSTed as it is
 *   slack+https://...       {"text": "..."} (Slack and compatible)
 *   hec+http(s)://HOST:PORT Splunk HEC: /services/collector/event, the ECS
 *                           document as "event", "Authorization: Splunk TOKEN"
 *   es+http(s)://HOST:PORT/INDEX  Elasticsearch _bulk: "create" actions */
#include "alerts/sink.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "alerts/ecs.h"
#include "common/quiet_thread.h"

#define QUEUE_MAX 10000		/* alerts waiting per sink */
#define BATCH_MAX 100		/* per request, where the receiver takes batches */
#define HIGH_SCORE 73		/* high and critical are the last to be dropped */

enum flavor { GENERIC, SLACK, HEC, ES };

struct item {
	char *body;		/* this flavor's rendering of one alert */
	size_t len;
	int score;		/* ECS severity */
};

struct webhook {
	enum flavor flavor;
	char url[1024];
	struct curl_slist *headers;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item q[QUEUE_MAX];	/* a ring: head, n */
	size_t head, n;
	bool stop;
};

static const struct {
	const char *prefix;
	enum flavor flavor;
} schemes[] = {
	{ "webhook+", GENERIC }, { "slack+", SLACK }, { "hec+", HEC }, { "es+", ES },
};

static bool webhook_takes(const char *target)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].prefix);

		if (!strncmp(target, schemes[i].prefix, n) &&
		    (!strncmp(target + n, "http://", 7) || !strncmp(target + n, "https://", 8)))
			return true;
	}
	return false;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	return size * n;
}

/* One POST of body; 0 when the receiver took it, 1 when it refused it for
 * good (a 4xx other than 408 and 429), -1 to try again later. */
static int post(struct webhook *w, CURL *c, const char *body, size_t len, char *why, size_t wlen)
{
	long status = 0;
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, w->headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		snprintf(why, wlen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return 0;
	snprintf(why, wlen, "HTTP status %ld", status);
	return status >= 400 && status < 500 && status != 408 && status != 429 ? 1 : -1;
}

static double jittered(double s)
{
	return s * (0.8 + 0.4 * ((double)random() / RAND_MAX));
}

/* Takes up to max items from the front, joined into one body. */
static char *take_batch(struct webhook *w, size_t max, size_t *count, size_t *len)
{
	size_t k = w->n < max ? w->n : max, total = 0;
	char *body;

	for (size_t i = 0; i < k; i++)
		total += w->q[(w->head + i) % QUEUE_MAX].len;
	body = malloc(total + 1);
	if (!body)
		return NULL;
	total = 0;
	for (size_t i = 0; i < k; i++) {
		const struct item *it = &w->q[(w->head + i) % QUEUE_MAX];

		memcpy(body + total, it->body, it->len);
		total += it->len;
	}
	body[total] = '\0';
	*count = k;
	*len = total;
	return body;
}

static void drop_front(struct webhook *w, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		free(w->q[w->head].body);
		w->head = (w->head + 1) % QUEUE_MAX;
		w->n--;
	}
}

static void *worker(void *arg)
{
	struct tw_sink *s = arg;
	struct webhook *w = s->priv;
	CURL *c = curl_easy_init();
	double backoff = 0;
	char why[160];

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		size_t count, len;
		char *body;
		int ret;

		if (!w->n) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		body = take_batch(w, w->flavor == HEC || w->flavor == ES ? BATCH_MAX : 1, &count,
				  &len);
		pthread_mutex_unlock(&w->lock);
		ret = body && c ? post(w, c, body, len, why, sizeof(why)) : -1;
		free(body);
		pthread_mutex_lock(&w->lock);
		if (ret >= 0) {
			/* Taken, or refused for good: either way they leave the queue. */
			drop_front(w, count);
			if (ret == 0)
				s->delivered += count;
			else
				s->rejected += count;
			backoff = 0;
			if (ret)
				snprintf(s->last_error, sizeof(s->last_error), "%s", why);
			continue;
		}
		s->retried++;
		snprintf(s->last_error, sizeof(s->last_error), "%s", why);
		backoff = backoff ? (backoff * 2 > 60 ? 60 : backoff * 2) : 1;
		struct timespec until;
		double wait = jittered(backoff);

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)wait;
		until.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT) {
		}
	}
	pthread_mutex_unlock(&w->lock);
	curl_easy_cleanup(c);
	return NULL;
}

static int webhook_open(struct tw_sink *s, const char *target, char *err, size_t errlen)
{
	struct webhook *w = calloc(1, sizeof(*w));
	const char *url = strstr(target, "+") + 1;
	char auth[600];

	if (!w)
		return -ENOMEM;
	s->priv = w;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (!strncmp(target, schemes[i].prefix, strlen(schemes[i].prefix)))
			w->flavor = schemes[i].flavor;
	if (w->flavor == HEC)
		snprintf(w->url, sizeof(w->url), "%s%s", url,
			 strstr(url + 8, "/") ? "" : "/services/collector/event");
	else if (w->flavor == ES)
		snprintf(w->url, sizeof(w->url), "%s/_bulk", url);
	else
		snprintf(w->url, sizeof(w->url), "%s", url);
	if (w->flavor == ES && !strchr(url + 8, '/')) {
		snprintf(err, errlen, "sink %s: name the index or data stream (es+https://HOST:PORT/INDEX)",
			 s->shown);
		return -EINVAL;
	}
	if (w->flavor == HEC && !s->settings.token[0]) {
		snprintf(err, errlen, "sink %s: Splunk HEC needs a token ([sink NAME] token-file = FILE)",
			 s->shown);
		return -EINVAL;
	}
	w->headers = curl_slist_append(NULL, w->flavor == ES ? "Content-Type: application/x-ndjson" :
							    "Content-Type: application/json");
	if (s->settings.token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: %s %s",
			 w->flavor == HEC ? "Splunk" : "Bearer", s->settings.token);
		w->headers = curl_slist_append(w->headers, auth);
	}
	w->headers = curl_slist_append(w->headers, "Expect:");
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (tw_quiet_thread_start(&w->thread, worker, s)) {
		snprintf(err, errlen, "sink %s: cannot start its thread", s->shown);
		return -EAGAIN;
	}
	w->started = true;
	return 0;
}

/* A field of the alert as text; "" when it is missing. */
static const char *field(struct json_object *alert, const char *path)
{
	const char *v = tw_json_get_string(alert, path);

	return v ? v : "";
}

/* This flavor's body for one alert (malloc'd). */
static char *render(const struct webhook *w, const char *json, size_t len,
		    struct json_object *alert, size_t *out_len)
{
	struct json_object *o;
	const char *text;
	char *body = NULL;

	switch (w->flavor) {
	case GENERIC:
		body = strndup(json, len);
		break;
	case ES: /* an action line and the document, each ending in \n */
		if (asprintf(&body, "{\"create\":{}}\n%.*s\n", (int)len, json) < 0)
			body = NULL;
		break;
	case SLACK:
	case HEC: {
		o = json_object_new_object();
		if (w->flavor == SLACK) {
			char msg[1024];

			snprintf(msg, sizeof(msg), "[%s] %s (%s)", field(alert, "log.level"),
				 field(alert, "message"), field(alert, "rule.id"));
			json_object_object_add(o, "text", json_object_new_string(msg));
		} else {
			struct timespec now;

			clock_gettime(CLOCK_REALTIME, &now);
			json_object_object_add(o, "time", json_object_new_double(
				(double)now.tv_sec + (double)now.tv_nsec / 1e9));
			json_object_object_add(o, "host",
					       json_object_new_string(field(alert, "host.hostname")));
			json_object_object_add(o, "source", json_object_new_string("torwatch"));
			json_object_object_add(o, "sourcetype", json_object_new_string("_json"));
			json_object_object_add(o, "event", json_object_get(alert));
		}
		text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
		body = strdup(text);
		json_object_put(o);
		break;
	}
	}
	if (body)
		*out_len = strlen(body);
	return body;
}

static int webhook_write(struct tw_sink *s, const char *json, size_t len, struct json_object *alert)
{
	struct webhook *w = s->priv;
	struct item it = { .score = json_object_get_int(tw_json_get(alert, "event.severity")) };
	int ret = 0;

	it.body = render(w, json, len, alert, &it.len);
	if (!it.body)
		return -ENOMEM;
	pthread_mutex_lock(&w->lock);
	if (w->n == QUEUE_MAX) {
		/* Full: the oldest alert below high makes room; if all are high
		 * or critical, the newest one is the one that does not fit. */
		size_t victim = QUEUE_MAX;

		for (size_t i = 0; i < w->n && victim == QUEUE_MAX; i++)
			if (w->q[(w->head + i) % QUEUE_MAX].score < HIGH_SCORE)
				victim = i;
		s->dropped++;
		if (victim == QUEUE_MAX) {
			free(it.body);
			ret = -ENOBUFS;
			goto out;
		}
		if (victim == 0) {
			drop_front(w, 1); /* the usual case: the oldest is low */
		} else {
			free(w->q[(w->head + victim) % QUEUE_MAX].body);
			for (size_t i = victim; i + 1 < w->n; i++)
				w->q[(w->head + i) % QUEUE_MAX] =
					w->q[(w->head + i + 1) % QUEUE_MAX];
			w->n--;
		}
	}
	w->q[(w->head + w->n) % QUEUE_MAX] = it;
	w->n++;
	pthread_cond_signal(&w->cond);
out:
	pthread_mutex_unlock(&w->lock);
	return ret;
}

static int webhook_reopen(struct tw_sink *s, char *err, size_t errlen)
{
	return 0;
}

static void webhook_close(struct tw_sink *s)
{
	struct webhook *w = s->priv;

	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	drop_front(w, w->n);
	curl_slist_free_all(w->headers);
	free(w);
	s->priv = NULL;
}

const struct tw_sink_ops tw_sink_webhook = {
	.kind = "webhook",
	.takes = webhook_takes,
	.open = webhook_open,
	.write = webhook_write,
	.reopen = webhook_reopen,
	.close = webhook_close,
};
