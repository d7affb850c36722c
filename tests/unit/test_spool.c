// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The alert spool on disk: records come back in order and whole, what was
 * delivered stays delivered across a reopen, a record a crash cut short is
 * dropped with those before it kept, the size bound holds, and alerts still
 * in memory at a stop take their place by sequence number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alerts/spool.h"

struct fixture {
	char dir[64], path[128], done[136];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/torwatch-spool.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/s.spool", f->dir);
	snprintf(f->done, sizeof(f->done), "%s.done", f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char tmp[160];

	unlink(f->path), unlink(f->done);
	snprintf(tmp, sizeof(tmp), "%s.new", f->path);
	unlink(tmp);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct tw_spool *open_spool(struct fixture *f, uint64_t max)
{
	struct tw_spool *sp = NULL;
	char err[256];

	assert_int_equal(tw_spool_open(&sp, f->path, max, err, sizeof(err)), 0);
	return sp;
}

/* peek's joined body, as a string to compare. */
static void expect_peek(struct tw_spool *sp, size_t max, uint64_t before, const char *want,
			size_t want_count)
{
	char *body = NULL;
	size_t len = 0, count = 99;

	assert_int_equal(tw_spool_peek(sp, max, before, &body, &len, &count), 0);
	assert_int_equal(count, want_count);
	if (want_count)
		assert_string_equal(body, want);
	free(body);
}

static void test_order_consume_and_reopen(void **state)
{
	struct fixture *f = *state;
	struct tw_spool *sp = open_spool(f, 1 << 20);

	assert_int_equal(tw_spool_pending(sp), 0);
	assert_true(tw_spool_head_seq(sp) == UINT64_MAX);
	assert_int_equal(tw_spool_append(sp, 5, "a\n", 2), 0);
	assert_int_equal(tw_spool_append(sp, 6, "b\n", 2), 0);
	assert_int_equal(tw_spool_append(sp, 9, "c\n", 2), 0);
	assert_int_equal(tw_spool_sync(sp), 0);
	assert_int_equal(tw_spool_pending(sp), 3);
	assert_int_equal(tw_spool_head_seq(sp), 5);
	expect_peek(sp, 2, UINT64_MAX, "a\nb\n", 2);
	expect_peek(sp, 10, 6, "a\n", 1);	/* only those older than seq 6 */
	assert_int_equal(tw_spool_consume(sp, 1), 0);
	assert_int_equal(tw_spool_head_seq(sp), 6);
	tw_spool_close(sp);

	/* Delivered stays delivered; the rest comes back, in order. */
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 2);
	assert_int_equal(tw_spool_last_seq(sp), 9);
	expect_peek(sp, 10, UINT64_MAX, "b\nc\n", 2);
	assert_int_equal(tw_spool_consume(sp, 2), 0);
	assert_int_equal(tw_spool_pending(sp), 0);
	tw_spool_close(sp);

	/* Emptied: the file is cut back to its header. */
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 16);
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 0);
	tw_spool_close(sp);
}

/* A crash in the middle of a write: the whole records before it stay. */
/* The worker's walk: records one by one (a head only, or with its body),
 * then the ones it sent counted delivered from where the walk stopped. */
static void test_walk_and_consume_to(void **state)
{
	struct fixture *f = *state;
	struct tw_spool *sp = open_spool(f, 1 << 20);
	uint64_t cursor = 0, seq = 0;
	size_t len = 0;
	char *body = NULL;

	assert_int_equal(tw_spool_append(sp, 3, "x\n", 2), 0);
	assert_int_equal(tw_spool_append(sp, 4, "yy\n", 3), 0);
	assert_int_equal(tw_spool_append(sp, 7, "z\n", 2), 0);
	assert_int_equal(tw_spool_next(sp, &cursor, &seq, NULL, &len), 0);
	assert_true(seq == 3 && len == 2);
	assert_int_equal(tw_spool_next(sp, &cursor, &seq, &body, &len), 0);
	assert_true(seq == 4 && len == 3);
	assert_string_equal(body, "yy\n");
	free(body);
	assert_int_equal(tw_spool_consume_to(sp, 2, cursor), 0);
	assert_int_equal(tw_spool_pending(sp), 1);
	assert_int_equal(tw_spool_head_seq(sp), 7);
	cursor = 0;
	assert_int_equal(tw_spool_next(sp, &cursor, &seq, NULL, &len), 0);
	assert_true(seq == 7);
	assert_int_equal(tw_spool_next(sp, &cursor, &seq, NULL, &len), -ENODATA);
	tw_spool_close(sp);
	/* Delivered up to there across a reopen: only the last is left. */
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 1);
	assert_int_equal(tw_spool_head_seq(sp), 7);
	tw_spool_close(sp);
}

static void test_torn_tail_is_cut(void **state)
{
	struct fixture *f = *state;
	struct tw_spool *sp = open_spool(f, 1 << 20);
	struct stat st;
	int fd;

	assert_int_equal(tw_spool_append(sp, 1, "first\n", 6), 0);
	assert_int_equal(tw_spool_append(sp, 2, "second\n", 7), 0);
	tw_spool_close(sp);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(truncate(f->path, st.st_size - 3), 0);
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 1);
	expect_peek(sp, 10, UINT64_MAX, "first\n", 1);
	tw_spool_close(sp);
	/* A flipped byte inside a body fails its CRC: cut there too. */
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_append(sp, 3, "third\n", 6), 0);
	tw_spool_close(sp);
	fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, 16 + 16 + 6 + 16 + 1), 1);
	close(fd);
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 1);
	tw_spool_close(sp);
	/* Not a spool at all: started anew, nothing read from it. */
	fd = open(f->path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "garbage garbage garbage", 23), 23);
	close(fd);
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 0);
	tw_spool_close(sp);
}

static void test_size_bound(void **state)
{
	struct fixture *f = *state;
	struct tw_spool *sp = open_spool(f, 16 + 3 * (16 + 10));
	char big[64];

	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 3; i++)
		assert_int_equal(tw_spool_append(sp, (uint64_t)i + 1, "0123456789", 10), 0);
	assert_int_equal(tw_spool_append(sp, 4, "0123456789", 10), -EFBIG);
	assert_int_equal(tw_spool_append(sp, 4, big, sizeof(big)), -E2BIG);
	assert_int_equal(tw_spool_pending(sp), 3);
	/* Emptied, it takes records again. */
	assert_int_equal(tw_spool_consume(sp, 3), 0);
	assert_int_equal(tw_spool_append(sp, 5, "0123456789", 10), 0);
	tw_spool_close(sp);
}

/* At a stop, alerts still queued in memory join the spool by sequence. */
static void test_close_merged_keeps_sequence(void **state)
{
	struct fixture *f = *state;
	struct tw_spool *sp = open_spool(f, 1 << 20);
	const struct tw_spool_rec mem[] = { { 1, "m1\n", 3 }, { 2, "m2\n", 3 }, { 7, "m7\n", 3 } };

	assert_int_equal(tw_spool_append(sp, 3, "s3\n", 3), 0);
	assert_int_equal(tw_spool_append(sp, 4, "s4\n", 3), 0);
	assert_int_equal(tw_spool_append(sp, 2, "gone\n", 5), 0);
	assert_int_equal(tw_spool_consume(sp, 0), 0);
	tw_spool_close(sp);
	/* One delivered before the stop: it must not come back. */
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_append(sp, 8, "s8\n", 3), 0);
	assert_int_equal(tw_spool_consume(sp, 0), 0);
	tw_spool_close(sp);
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 4);
	assert_int_equal(tw_spool_consume(sp, 1), 0);	/* s3 delivered */
	assert_int_equal(tw_spool_close_merged(sp, mem, 3), 0);
	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 6);
	expect_peek(sp, 10, UINT64_MAX, "m1\nm2\ns4\ngone\nm7\ns8\n", 6);
	assert_int_equal(tw_spool_last_seq(sp), 8);
	tw_spool_close(sp);
}

/* Its directory removed under it: the next append makes file and directory
 * again, with what was delivered still delivered and what was not kept. */
static void test_removed_is_made_again(void **state)
{
	struct fixture *f = *state;
	struct tw_spool *sp = open_spool(f, 1 << 20);
	struct stat st;

	assert_int_equal(tw_spool_append(sp, 1, "a\n", 2), 0);
	assert_int_equal(tw_spool_append(sp, 2, "b\n", 2), 0);
	assert_int_equal(tw_spool_consume(sp, 1), 0);
	unlink(f->path), unlink(f->done);
	assert_int_equal(rmdir(f->dir), 0);
	assert_int_equal(tw_spool_append(sp, 3, "c\n", 2), 0);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(tw_spool_sync(sp), 0);
	tw_spool_close(sp);

	sp = open_spool(f, 1 << 20);
	assert_int_equal(tw_spool_pending(sp), 2);
	expect_peek(sp, 10, UINT64_MAX, "b\nc\n", 2);
	tw_spool_close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_consume_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_and_consume_to, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_is_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_merged_keeps_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_is_made_again, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
