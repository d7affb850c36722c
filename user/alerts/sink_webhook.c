// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* HTTP sinks, through libcurl on the delivery worker of each sink
 * (delivery.h): a slow or dead receiver never holds up the event loop or
 * another sink. A receiver that refuses an alert for good (4xx) gets it
 * dropped and counted.
 *   webhook+http(s)://...   the alert's JSON, POSTed as it is
 *   slack+https://...       {"text": "..."} (Slack and compatible)
 *   hec+http(s)://HOST:PORT Splunk HEC: /services/collector/event, the ECS
 *                           document as "event", "Authorization: Splunk TOKEN"
 *   es+http(s)://HOST:PORT/INDEX  Elasticsearch _bulk: "create" actions */
#include "alerts/sink.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "alerts/delivery.h"
#include "alerts/ecs.h"
#include "common/timeutil.h"

#define BATCH_MAX 100		/* per request, where the receiver takes batches */

enum flavor { GENERIC, SLACK, HEC, ES };

struct webhook {
	enum flavor flavor;
	char url[1024];
	struct curl_slist *headers;
	CURL *curl;		/* used by the delivery worker only */
	char basic_auth[256];	/* "user:password" or "" */
	long timeout_s;
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

#define ANSWER_MAX (4u << 20)	/* the part of a _bulk answer that is read */

struct answer {
	char *data;
	size_t len;
};

/* Keeps what the receiver answers (only _bulk's is read), up to a bound. */
static size_t keep(char *p, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;
	size_t add = size * n;
	char *grown;

	if (!a || a->len + add > ANSWER_MAX)
		return add;
	grown = realloc(a->data, a->len + add + 1);
	if (!grown)
		return add;
	memcpy(grown + a->len, p, add);
	a->len += add;
	grown[a->len] = '\0';
	a->data = grown;
	return add;
}

/* A _bulk answer is 200 even when items failed: each item has its own
 * status. Created (2xx) or already there (409: an earlier try got it in,
 * the _id is the event.id) counts as delivered; 429 and 5xx mean the batch
 * goes again (what got in then answers 409); any other status is a refusal
 * for good. Returns how many were refused, or -1 to try again. */
static int bulk_items(const struct answer *a, size_t n, char *why, size_t wlen)
{
	struct json_object *root = a->data ? json_tokener_parse(a->data) : NULL, *errors, *items;
	int refused = 0, again = 0;

	if (!root)
		return 0;	/* a 2xx without a readable answer: as before, taken */
	if (!json_object_object_get_ex(root, "errors", &errors) || !json_object_get_boolean(errors) ||
	    !json_object_object_get_ex(root, "items", &items)) {
		json_object_put(root);
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(items) && i < n; i++) {
		struct json_object *item = json_object_array_get_idx(items, i), *op, *st, *err, *type;
		int status;

		if (!json_object_object_get_ex(item, "create", &op) ||
		    !json_object_object_get_ex(op, "status", &st))
			continue;
		status = json_object_get_int(st);
		if ((status >= 200 && status < 300) || status == 409)
			continue;
		if (status == 429 || status >= 500)
			again++;
		else
			refused++;
		if (!again && refused == 1 && json_object_object_get_ex(op, "error", &err) &&
		    json_object_object_get_ex(err, "type", &type))
			snprintf(why, wlen, "Elasticsearch refused an item: %d %s", status,
				 json_object_get_string(type));
	}
	if (again)
		snprintf(why, wlen, "Elasticsearch: %d of %zu items to retry (429 or 5xx)", again, n);
	json_object_put(root);
	return again ? -1 : refused;
}

/* One POST of n alerts in body (the delivery worker's send): how many the
 * receiver refused for good (0 when it took them all; all n on a 4xx other
 * than 408 and 429), or -1 to try again later. */
static int post(void *ctx, const char *body, size_t len, size_t n, char *why, size_t wlen)
{
	struct webhook *w = ctx;
	CURL *c = w->curl;
	struct answer a = {};
	long status = 0;
	CURLcode rc;
	int ret;

	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_QUICK_EXIT, 1L);	/* as in feeds/fetch.c */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, w->headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, w->timeout_s < 5 ? w->timeout_s : 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, w->timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w->flavor == ES ? &a : NULL);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (w->basic_auth[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, w->basic_auth);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		free(a.data);
		snprintf(why, wlen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300) {
		ret = w->flavor == ES ? bulk_items(&a, n, why, wlen) : 0;
		free(a.data);
		return ret;
	}
	free(a.data);
	snprintf(why, wlen, "HTTP status %ld", status);
	return status >= 400 && status < 500 && status != 408 && status != 429 ? (int)n : -1;
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
	for (size_t i = 0; i < sizeof(s->settings.headers) / sizeof(s->settings.headers[0]); i++)
		if (s->settings.headers[i][0])
			w->headers = curl_slist_append(w->headers, s->settings.headers[i]);
	w->headers = curl_slist_append(w->headers, "Expect:");
	w->timeout_s = (long)tw_sink_timeout_s(s);
	snprintf(w->basic_auth, sizeof(w->basic_auth), "%s", s->settings.basic_auth);
	w->curl = curl_easy_init();
	if (!w->curl) {
		snprintf(err, errlen, "sink %s: cannot make a libcurl handle", s->shown);
		return -ENOMEM;
	}
	return tw_sink_deliver_later(s, target, post, w,
				     w->flavor == HEC || w->flavor == ES ? BATCH_MAX : 1, err,
				     errlen);
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
	case ES: /* an action line and the document, each ending in \n; the
		  * event.id as _id, so that a retry cannot make a duplicate */
		if (asprintf(&body, "{\"create\":{\"_id\":\"%s\"}}\n%.*s\n",
			     field(alert, "event.id"), (int)len, json) < 0)
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
				(double)now.tv_sec + (double)now.tv_nsec / TW_NS_PER_SEC));
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
	size_t body_len = 0;
	char *body = render(w, json, len, alert, &body_len);

	if (!body)
		return -ENOMEM;
	return tw_delivery_push(s->later, body, body_len,
				json_object_get_int(tw_json_get(alert, "event.severity")));
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
	tw_delivery_stop(s->later);
	s->later = NULL;
	if (w->curl)
		curl_easy_cleanup(w->curl);
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
