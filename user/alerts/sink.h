/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A place alerts go. Every kind of sink (the JSON-lines file or stdout,
 * syslog, the HTTP ones) implements these operations and lists itself in
 * sink.c; the emitter (emit.h) drives them. */
#ifndef TW_SINK_H
#define TW_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "alerts/delivery.h"

struct json_object;

struct tw_sink;
struct tw_sink_thread;

struct tw_sink_ops {
	const char *kind;	/* "file", ... as logs and status name it */
	/* Is target (the --alerts value) one of ours? */
	bool (*takes)(const char *target);
	/* 0, or -errno with one sentence in err. */
	int (*open)(struct tw_sink *s, const char *target, char *err, size_t errlen);
	/* One alert, rendered once by the emitter as a JSON object without a
	 * newline (json), and as the object (alert) for kinds that need its
	 * fields; written whole or not at all. 0 or -errno. */
	int (*write)(struct tw_sink *s, const char *json, size_t len,
		     struct json_object *alert);
	/* Opens what it writes to again (a rotated log file); 0 or -errno. */
	int (*reopen)(struct tw_sink *s, char *err, size_t errlen);
	void (*close)(struct tw_sink *s);
	/* write and reopen block (a file, stdout): they run on a writer thread
	 * of the sink's own (sink_thread.h), never on the event loop. */
	bool own_thread;
};

/* What a sink takes besides its URL, from its [sink NAME] section. */
struct tw_sink_settings {
	char token[256];	/* HEC token, or a bearer token; never logged */
	char spool_dir[256];	/* where sinks that deliver later spool ("": no spool) */
	char name[64];		/* the [sink NAME], else "": names its spool file */
	unsigned queue_max;	/* alerts queued in memory (0: the default, 10,000) */
	unsigned timeout_s;	/* per attempt (0: the default, 10 s) */
	unsigned spool_mb;	/* spool size (0: the default, 64 MiB) */
	char headers[4][256];	/* HTTP: "Name: value" lines sent with every request */
	char basic_auth[256];	/* HTTP: "user:password"; never logged */
	bool check_only;	/* --check-config: the target checked, nothing opened or started */
};

struct tw_sink {
	const struct tw_sink_ops *ops;
	struct tw_sink_settings settings;
	void *priv;		/* the kind's own state */
	struct tw_delivery *later;	/* the queue of kinds that deliver later */
	struct tw_sink_thread *own;	/* the writer of kinds with own_thread */
	char shown[256];	/* for logs: "stdout", a path, a URL without its password */
	uint64_t written;	/* alerts written */
	uint64_t failed;	/* alerts this sink could not write */
	uint64_t filtered;	/* alerts its filter kept from it */
	bool failing;		/* the last write failed: an episode was logged */
	uint64_t failed_before;	/* failed when the episode began */
	/* Sinks that deliver later (HTTP, syslog): counted by their worker;
	 * last_error by any sink. */
	struct tw_delivery_counts counts;
	int min_score;		/* filter: the lowest ECS severity it takes (0: all) */
	char rules[512];	/* filter: ",rule,rule," it takes ("": all) */
};

/* Opens s as the first kind that takes target. 0 or -errno with one
 * sentence in err. */
int tw_sink_open(struct tw_sink *s, const char *target, const struct tw_sink_settings *set,
		 char *err, size_t errlen);
/* The spool file of s for target under its settings' spool_dir, which is
 * made when missing: 1 with the path, 0 when s has no spool, -errno with
 * one sentence in err. */
int tw_sink_spool_prepare(const struct tw_sink *s, const char *target, char *path, size_t len,
			  char *err, size_t errlen);
/* The most bytes s's spool may take on disk. */
uint64_t tw_sink_spool_max(const struct tw_sink *s);
/* For kinds that deliver later: starts s->later with send and ctx, the
 * queue size and spool from s's settings. 0 or -errno with one sentence. */
int tw_sink_deliver_later(struct tw_sink *s, const char *target,
			  int (*send)(void *ctx, const char *body, size_t len, size_t n, char *why,
				      size_t wlen),
			  void *ctx, size_t batch_max, char *err, size_t errlen);
/* Counts one write's result (0 or -errno) in s: written, or failed, with
 * the episode said once at its start and once at its end. */
void tw_sink_count(struct tw_sink *s, int ret);
/* syslog(3) priority of an alert's log.level (critical 2, high 3, medium 4,
 * low 5, info 6), or unknown for another word: the syslog and journal
 * sinks' PRIORITY. */
int tw_sink_syslog_priority(const char *level, int unknown);
/* The per-attempt timeout of s, in seconds. */
unsigned tw_sink_timeout_s(const struct tw_sink *s);

extern const struct tw_sink_ops tw_sink_file;
extern const struct tw_sink_ops tw_sink_syslog;
extern const struct tw_sink_ops tw_sink_journal;
extern const struct tw_sink_ops tw_sink_webhook;

#endif
