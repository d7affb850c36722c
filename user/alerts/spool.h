/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A bounded spool on disk for alerts a receiver could not take yet: an
 * append-only file of records (length, CRC-32, sequence number, body) and
 * beside it the offset up to which records were delivered. It survives a
 * daemon restart; a record cut short by a crash is dropped at open, with the
 * records before it kept. Not thread-safe: its owner holds a lock. */
#ifndef TW_SPOOL_H
#define TW_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct tw_spool;

/* Bytes a record takes before its body (length, CRC-32, sequence). */
#define TW_SPOOL_REC_HEAD 16

/* One record handed to tw_spool_close_merged. */
struct tw_spool_rec {
	uint64_t seq;
	const char *body;
	size_t len;
};

/* Opens (creating) the spool at path, at most max_bytes on disk. 0, or
 * -errno with one sentence in err. */
int tw_spool_open(struct tw_spool **out, const char *path, uint64_t max_bytes, char *err,
		  size_t errlen);
/* Appends one record: 0, -EFBIG when it would pass max_bytes, -E2BIG when
 * one record could never fit, or -errno. Written at once, made durable by
 * tw_spool_sync. A spool removed under it (its directory too) is made
 * again first, with what it held. */
int tw_spool_append(struct tw_spool *sp, uint64_t seq, const char *body, size_t len);
/* The offset of the first record not delivered, and the one past the last
 * record: a record of len bytes appended last ends at tw_spool_end and
 * starts TW_SPOOL_REC_HEAD + len before it. */
uint64_t tw_spool_done(const struct tw_spool *sp);
uint64_t tw_spool_end(const struct tw_spool *sp);
/* fdatasync, when something was appended since the last one. */
int tw_spool_sync(struct tw_spool *sp);
/* The same in two steps, for an owner that syncs without its lock held:
 * the fd to fdatasync, or -1 when nothing needs it. */
int tw_spool_sync_begin(struct tw_spool *sp);
/* Records not delivered yet, and the sequence number of the first of them
 * (UINT64_MAX when there is none). */
size_t tw_spool_pending(const struct tw_spool *sp);
uint64_t tw_spool_head_seq(const struct tw_spool *sp);
/* The highest sequence number the spool ever held (0 when empty). */
uint64_t tw_spool_last_seq(const struct tw_spool *sp);
/* The record at *cursor (0: the first not delivered): its sequence number,
 * its length and, when body is not NULL, its body (malloc'd, checked
 * against its CRC); *cursor moves past it. 0, -ENODATA past the last
 * record, or -errno. */
int tw_spool_next(struct tw_spool *sp, uint64_t *cursor, uint64_t *seq, char **body,
		  size_t *len);
/* The first records not delivered, at most max of them and only those whose
 * sequence number is below before_seq, joined into one malloc'd body. 0 with
 * *count 0 when there is none; -errno when the file cannot be read. */
int tw_spool_peek(struct tw_spool *sp, size_t max, uint64_t before_seq, char **body,
		  size_t *len, size_t *count);
/* The first count records were delivered: the offset moves on; an emptied
 * spool is truncated. */
int tw_spool_consume(struct tw_spool *sp, size_t count);
/* The same when the caller read them with tw_spool_next: cursor is where
 * that left it after the count-th, so nothing is read again. */
int tw_spool_consume_to(struct tw_spool *sp, size_t count, uint64_t cursor);
/* Closes the spool after writing recs (sorted by seq) among its pending
 * records in sequence order, so that alerts still in memory at a stop keep
 * their place. 0 or -errno (the spool is closed either way). */
int tw_spool_close_merged(struct tw_spool *sp, const struct tw_spool_rec *recs, size_t n);
void tw_spool_close(struct tw_spool *sp);

#endif
