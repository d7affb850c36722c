/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* HTTP(S) downloads (exit and relay lists) with libcurl, off the event loop: one
 * worker thread drives every transfer at once (curl multi), and hands each
 * finished download back through an eventfd, so alerts keep flowing while a
 * slow server drips. */
#ifndef TW_FETCH_H
#define TW_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_FETCH_VALIDATOR_LEN 256	/* ETag or Last-Modified, as the server sent it */
#define TW_FETCH_ERR_LEN 200

struct tw_fetch_limits {
	unsigned connect_timeout_s;
	unsigned timeout_s;	/* the whole transfer, a dripping server included */
	size_t max_body;	/* bytes after decompression */
	char ca_file[4096];	/* "": the system's CA store */
};

/* Run on the worker thread on a complete 200 answer, so that a large body is
 * parsed off the event loop: what it returns becomes the result's digest,
 * freed with the request's free_digest. */
typedef void *(*tw_fetch_digest_fn)(const char *body, size_t len, void *arg);

struct tw_fetch_request {
	int id;			/* the caller's, returned with the result */
	tw_fetch_digest_fn digest;	/* NULL: none */
	void *digest_arg;
	void (*free_digest)(void *digest);
	char url[1024];
	char etag[TW_FETCH_VALIDATOR_LEN];		/* sent as If-None-Match when set */
	char last_modified[TW_FETCH_VALIDATOR_LEN];	/* sent as If-Modified-Since */
	struct tw_fetch_limits limits;
};

struct tw_fetch_result {
	int id;
	bool ok;		/* a complete HTTP response arrived (any status) */
	long http_status;	/* 0 when none arrived */
	char *body;		/* NUL-terminated; len bytes before the NUL */
	size_t len;
	char etag[TW_FETCH_VALIDATOR_LEN];
	char last_modified[TW_FETCH_VALIDATOR_LEN];
	char error[TW_FETCH_ERR_LEN];	/* one sentence when !ok */
	double seconds;
	void *digest;		/* the request's digest of a 200 body, or NULL */
	void (*free_digest)(void *digest);
};

struct tw_fetcher;

/* Call once, before any thread starts (curl_global_init). */
int tw_fetch_global_init(void);
struct tw_fetcher *tw_fetcher_new(void);
/* Readable when results wait; read them with tw_fetcher_next. */
int tw_fetcher_fd(const struct tw_fetcher *f);
int tw_fetcher_submit(struct tw_fetcher *f, const struct tw_fetch_request *req);
/* The next finished download (the caller frees it), or NULL. */
struct tw_fetch_result *tw_fetcher_next(struct tw_fetcher *f);
void tw_fetch_result_free(struct tw_fetch_result *r);
/* Cancels what is in flight and joins the worker. */
void tw_fetcher_free(struct tw_fetcher *f);
/* "torwatch/VERSION (+https://...)" */
const char *tw_fetch_user_agent(void);

#endif
