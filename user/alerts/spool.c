// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The spool's two files:
 *   PATH       "TWSPOOL1", a generation, then records: u32 length, u32
 *              CRC-32 of the sequence number and body, u64 sequence, body
 *   PATH.done  the generation and the offset delivered up to (written
 *              after each delivered batch, not synced)
 * A file that is emptied or rewritten gets a new generation, so an offset
 * left from the old file (a crash between the two writes) is never applied
 * to the new one: it then counts from the start, and at worst a record is
 * delivered twice, never lost. */
#include "alerts/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "common/dirs.h"
#include "common/log.h"

#define MAGIC "TWSPOOL1"
#define FILE_HEAD 16		/* magic, generation */
#define REC_HEAD TW_SPOOL_REC_HEAD	/* length, crc, seq */
#define REC_MAX (4u << 20)	/* one alert's body at most */

struct tw_spool {
	int fd, done_fd;
	/* The files of a spool made again (follow_removed), closed at the next
	 * sync_begin: an owner may still be syncing the old fd without its lock. */
	int retired_fd, retired_done_fd;
	char path[512];
	uint64_t max_bytes;
	uint64_t gen;
	uint64_t size;		/* bytes in the data file */
	uint64_t done;		/* offset delivered up to */
	size_t pending;
	uint64_t head_seq;	/* of the record at done */
	uint64_t last_seq;
	bool dirty;		/* appended since the last sync */
};

struct rec_head {
	uint32_t len, crc;
	uint64_t seq;
};

static uint32_t rec_crc(uint64_t seq, const char *body, size_t len)
{
	uLong c = crc32(0L, (const Bytef *)&seq, sizeof(seq));

	return (uint32_t)crc32(c, (const Bytef *)body, (uInt)len);
}

static int write_all_at(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n, len -= (size_t)n, off += n;
	}
	return 0;
}

static int read_all_at(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENODATA;
		p += n, len -= (size_t)n, off += n;
	}
	return 0;
}

/* Not fdatasynced: the page cache keeps it across SIGKILL and a crash of
 * the daemon; only a crash of the host can leave an older offset, and that
 * sends a record twice, never loses one. */
/* One record, head and body in one pwritev (the common case: one call). */
static int write_rec(int fd, const struct rec_head *h, const char *body, size_t len, uint64_t off)
{
	struct iovec iov[2] = { { (void *)h, sizeof(*h) }, { (void *)body, len } };
	ssize_t n = pwritev(fd, iov, 2, (off_t)off);

	if (n == (ssize_t)(sizeof(*h) + len))
		return 0;
	if (n < 0 && errno != EINTR)
		return -errno;
	/* Short (or interrupted): the rest piece by piece. */
	n = n < 0 ? 0 : n;
	if ((size_t)n < sizeof(*h)) {
		int ret = write_all_at(fd, (const char *)h + n, sizeof(*h) - (size_t)n, (off_t)off + n);

		if (ret)
			return ret;
		n = sizeof(*h);
	}
	return write_all_at(fd, body + ((size_t)n - sizeof(*h)), len - ((size_t)n - sizeof(*h)),
			    (off_t)off + n);
}

static int write_done(struct tw_spool *sp)
{
	uint64_t v[2] = { sp->gen, sp->done };

	return write_all_at(sp->done_fd, v, sizeof(v), 0);
}

static int write_file_head(int fd, uint64_t gen)
{
	char head[FILE_HEAD];

	memcpy(head, MAGIC, 8);
	memcpy(head + 8, &gen, 8);
	return write_all_at(fd, head, sizeof(head), 0);
}

/* The record at off, checked; its body in *body when body is not NULL. */
static int read_rec(struct tw_spool *sp, uint64_t off, struct rec_head *h, char **body)
{
	char *b;
	int ret;

	if (off + REC_HEAD > sp->size)
		return -ENODATA;
	ret = read_all_at(sp->fd, h, sizeof(*h), (off_t)off);
	if (ret)
		return ret;
	if (h->len > REC_MAX || off + REC_HEAD + h->len > sp->size)
		return -EBADMSG;
	b = malloc(h->len + 1);
	if (!b)
		return -ENOMEM;
	ret = read_all_at(sp->fd, b, h->len, (off_t)(off + REC_HEAD));
	if (!ret && rec_crc(h->seq, b, h->len) != h->crc)
		ret = -EBADMSG;
	if (ret || !body)
		free(b);
	else
		*body = b;
	return ret;
}

/* The head of a record already checked (by scan at open, or written by us):
 * its length and sequence number, without reading the body again. */
static int read_head(struct tw_spool *sp, uint64_t off, struct rec_head *h)
{
	int ret = off + REC_HEAD > sp->size ? -ENODATA :
						 read_all_at(sp->fd, h, sizeof(*h), (off_t)off);

	if (!ret && (h->len > REC_MAX || off + REC_HEAD + h->len > sp->size))
		ret = -EBADMSG;
	return ret;
}

static void refresh_head(struct tw_spool *sp)
{
	struct rec_head h;

	sp->head_seq = sp->pending && !read_head(sp, sp->done, &h) ? h.seq : UINT64_MAX;
}

/* Counts the records past done; cuts the file at the first that does not
 * check (a write a crash cut short). */
static void scan(struct tw_spool *sp)
{
	uint64_t off = sp->done;
	struct rec_head h;
	int ret;

	while ((ret = read_rec(sp, off, &h, NULL)) == 0) {
		sp->pending++;
		sp->last_seq = h.seq;
		off += REC_HEAD + h.len;
	}
	if (off < sp->size) {
		tw_warn("alert spool %s: %llu bytes at its end are not whole records (%s); cut off",
			sp->path, (unsigned long long)(sp->size - off), strerror(-ret));
		if (!ftruncate(sp->fd, (off_t)off))
			sp->size = off;
	}
	refresh_head(sp);
}

int tw_spool_open(struct tw_spool **out, const char *path, uint64_t max_bytes, char *err,
		  size_t errlen)
{
	struct tw_spool *sp = calloc(1, sizeof(*sp));
	char done_path[530], head[FILE_HEAD];
	uint64_t done[2] = {};
	struct stat st;
	int ret;

	if (!sp)
		return -ENOMEM;
	sp->retired_fd = sp->retired_done_fd = -1;
	snprintf(sp->path, sizeof(sp->path), "%s", path);
	snprintf(done_path, sizeof(done_path), "%s.done", path);
	sp->max_bytes = max_bytes;
	sp->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	sp->done_fd = sp->fd < 0 ? -1 : open(done_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (sp->fd < 0 || sp->done_fd < 0 || fstat(sp->fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the alert spool %s: %s", path, strerror(errno));
		goto fail;
	}
	sp->size = (uint64_t)st.st_size;
	if (sp->size < FILE_HEAD || read_all_at(sp->fd, head, sizeof(head), 0) ||
	    memcmp(head, MAGIC, 8)) {
		if (sp->size)
			tw_warn("alert spool %s is not a torwatch spool; started anew", path);
		sp->gen = (uint64_t)time(NULL) << 16;
		ret = ftruncate(sp->fd, 0) ? -errno : write_file_head(sp->fd, sp->gen);
		if (ret) {
			snprintf(err, errlen, "cannot write the alert spool %s: %s", path,
				 strerror(-ret));
			goto fail;
		}
		sp->size = FILE_HEAD;
	} else {
		memcpy(&sp->gen, head + 8, 8);
	}
	sp->done = FILE_HEAD;
	if (!read_all_at(sp->done_fd, done, sizeof(done), 0) && done[0] == sp->gen &&
	    done[1] >= FILE_HEAD && done[1] <= sp->size)
		sp->done = done[1];
	scan(sp);
	*out = sp;
	return 0;
fail:
	tw_spool_close(sp);
	return ret;
}

/* Delivered up to the end: the file starts again, with a new generation. */
static int restart_file(struct tw_spool *sp)
{
	int ret;

	sp->gen++;
	if (ftruncate(sp->fd, FILE_HEAD))
		return -errno;
	ret = write_file_head(sp->fd, sp->gen);
	if (ret)
		return ret;
	sp->size = sp->done = FILE_HEAD;
	return write_done(sp);
}

/* The whole file, byte for byte, so that every offset stays true. */
static int copy_file(int from, int to, uint64_t size)
{
	char buf[65536];

	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
		int ret = read_all_at(from, buf, n, (off_t)off);

		if (!ret)
			ret = write_all_at(to, buf, n, (off_t)off);
		if (ret)
			return ret;
		off += n;
	}
	return 0;
}

static void retire_old(struct tw_spool *sp)
{
	if (sp->retired_fd >= 0)
		close(sp->retired_fd);
	if (sp->retired_done_fd >= 0)
		close(sp->retired_done_fd);
	sp->retired_fd = sp->retired_done_fd = -1;
}

/* The spool was removed under the daemon (its directory deleted by a
 * clean-up gone wrong): what is appended to the removed file would be gone
 * after a crash. It is made again at its path from the open file, which can
 * still be read, with the same generation and offsets. 0, or -errno when
 * it cannot be (then appends fail, and the owner says why once). */
static int follow_removed(struct tw_spool *sp)
{
	char tmp[sizeof(sp->path) + 8], done_path[sizeof(sp->path) + 8];
	int fd = -1, done_fd = -1, ret;
	struct stat st;

	if (fstat(sp->fd, &st) || st.st_nlink)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.new", sp->path);
	snprintf(done_path, sizeof(done_path), "%s.done", sp->path);
	ret = tw_mkdir_parent(sp->path, 0700);
	if (!ret) {
		fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		ret = fd < 0 ? -errno : copy_file(sp->fd, fd, sp->size);
	}
	if (!ret && (fdatasync(fd) || rename(tmp, sp->path)))
		ret = -errno;
	if (!ret) {
		done_fd = open(done_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		ret = done_fd < 0 ? -errno : 0;
	}
	if (ret) {
		if (fd >= 0) {
			unlink(tmp);
			close(fd);
		}
		return ret;
	}
	retire_old(sp);
	sp->retired_fd = sp->fd;
	sp->retired_done_fd = sp->done_fd;
	sp->fd = fd;
	sp->done_fd = done_fd;
	tw_warn("alert spool %s was removed under the daemon; made again with its %zu record%s not delivered",
		sp->path, sp->pending, sp->pending == 1 ? "" : "s");
	return write_done(sp);
}

int tw_spool_append(struct tw_spool *sp, uint64_t seq, const char *body, size_t len)
{
	struct rec_head h = { .len = (uint32_t)len, .seq = seq };
	int ret;

	if (len > REC_MAX || FILE_HEAD + REC_HEAD + len > sp->max_bytes)
		return -E2BIG;
	ret = follow_removed(sp);
	if (ret)
		return ret;
	if (!sp->pending && sp->size > FILE_HEAD && (ret = restart_file(sp)))
		return ret;
	if (sp->size + REC_HEAD + len > sp->max_bytes)
		return -EFBIG;
	h.crc = rec_crc(seq, body, len);
	ret = write_rec(sp->fd, &h, body, len, sp->size);
	if (ret) {
		/* Nothing half-written stays behind. */
		if (ftruncate(sp->fd, (off_t)sp->size))
			tw_warn("alert spool %s: cannot cut a failed write: %s", sp->path,
				strerror(errno));
		return ret;
	}
	sp->size += REC_HEAD + len;
	if (!sp->pending++)
		sp->head_seq = seq;
	sp->last_seq = seq;
	sp->dirty = true;
	return 0;
}

int tw_spool_sync(struct tw_spool *sp)
{
	int fd = tw_spool_sync_begin(sp);

	return fd >= 0 && fdatasync(fd) ? -errno : 0;
}

int tw_spool_sync_begin(struct tw_spool *sp)
{
	retire_old(sp);	/* the last sync is over: its fd may go */
	if (!sp->dirty)
		return -1;
	sp->dirty = false;
	return sp->fd;
}

uint64_t tw_spool_done(const struct tw_spool *sp)
{
	return sp->done;
}

uint64_t tw_spool_end(const struct tw_spool *sp)
{
	return sp->size;
}

size_t tw_spool_pending(const struct tw_spool *sp)
{
	return sp->pending;
}

uint64_t tw_spool_head_seq(const struct tw_spool *sp)
{
	return sp->head_seq;
}

uint64_t tw_spool_last_seq(const struct tw_spool *sp)
{
	return sp->last_seq;
}

int tw_spool_next(struct tw_spool *sp, uint64_t *cursor, uint64_t *seq, char **body,
		  size_t *len)
{
	uint64_t off = *cursor ? *cursor : sp->done;
	struct rec_head h;
	int ret = body ? read_rec(sp, off, &h, body) : read_head(sp, off, &h);

	if (ret)
		return ret;
	if (body)
		(*body)[h.len] = '\0';
	*seq = h.seq;
	*len = h.len;
	*cursor = off + REC_HEAD + h.len;
	return 0;
}

int tw_spool_peek(struct tw_spool *sp, size_t max, uint64_t before_seq, char **body,
		  size_t *len, size_t *count)
{
	uint64_t cursor = 0;
	char *out = NULL;
	size_t used = 0, n = 0;

	while (n < max && n < sp->pending) {
		uint64_t seq;
		size_t blen;
		char *b, *grown;
		int ret;

		ret = tw_spool_next(sp, &cursor, &seq, &b, &blen);
		if (ret) {
			free(out);
			return ret;
		}
		if (seq >= before_seq) {
			free(b);
			break;
		}
		grown = realloc(out, used + blen + 1);
		if (!grown) {
			free(b), free(out);
			return -ENOMEM;
		}
		out = grown;
		memcpy(out + used, b, blen);
		used += blen;
		out[used] = '\0';
		free(b);
		n++;
	}
	*body = out;
	*len = used;
	*count = n;
	return 0;
}

static int consumed(struct tw_spool *sp)
{
	refresh_head(sp);
	if (!sp->pending)
		return restart_file(sp);
	return write_done(sp);
}

int tw_spool_consume(struct tw_spool *sp, size_t count)
{
	struct rec_head h;

	for (size_t i = 0; i < count && sp->pending; i++) {
		if (read_head(sp, sp->done, &h))
			break;
		sp->done += REC_HEAD + h.len;
		sp->pending--;
	}
	return consumed(sp);
}

int tw_spool_consume_to(struct tw_spool *sp, size_t count, uint64_t cursor)
{
	if (!count)
		return 0;
	if (count > sp->pending || cursor <= sp->done || cursor > sp->size)
		return tw_spool_consume(sp, count);
	sp->done = cursor;
	sp->pending -= count;
	return consumed(sp);
}

static int append_to(int fd, uint64_t *off, uint64_t seq, const char *body, size_t len)
{
	struct rec_head h = { .len = (uint32_t)len, .seq = seq, .crc = rec_crc(seq, body, len) };
	int ret = write_rec(fd, &h, body, len, *off);

	*off += REC_HEAD + len;
	return ret;
}

int tw_spool_close_merged(struct tw_spool *sp, const struct tw_spool_rec *recs, size_t n)
{
	char tmp[530];
	uint64_t off = FILE_HEAD, from = sp->done;
	size_t i = 0, left = sp->pending;
	int fd, ret;

	if (!n) {
		ret = tw_spool_sync(sp);
		tw_spool_close(sp);
		return ret;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", sp->path);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	ret = fd < 0 ? -errno : write_file_head(fd, sp->gen + 1);
	while (!ret && (left || i < n)) {
		struct rec_head h;
		char *b = NULL;

		if (left && (ret = read_rec(sp, from, &h, &b)))
			break;
		if (left && (i == n || h.seq < recs[i].seq)) {
			ret = append_to(fd, &off, h.seq, b, h.len);
			from += REC_HEAD + h.len;
			left--;
		} else {
			ret = append_to(fd, &off, recs[i].seq, recs[i].body, recs[i].len);
			i++;
		}
		free(b);
	}
	if (!ret && fdatasync(fd))
		ret = -errno;
	if (!ret && rename(tmp, sp->path))
		ret = -errno;
	if (ret && fd >= 0)
		unlink(tmp);
	if (fd >= 0)
		close(fd);
	if (!ret) {
		/* The old offset names the old generation: it no longer applies. */
		sp->gen++;
		sp->done = FILE_HEAD;
		write_done(sp);
	}
	tw_spool_close(sp);
	return ret;
}

void tw_spool_close(struct tw_spool *sp)
{
	if (!sp)
		return;
	retire_old(sp);
	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->done_fd >= 0)
		close(sp->done_fd);
	free(sp);
}
