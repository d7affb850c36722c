// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The per-source logic on a made-up clock: the guard, expiry of unlisted
 * entries, 304s, the merge with the snapshot as fallback, backoff, and the
 * cache file's round trip and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "feeds/source_cache.h"
#include "feeds/source_state.h"

static const struct tw_feed_policy pol = { .expire_s = 100, .max_shrink_pct = 50,
					   .retry_min_s = 10 };

/* A feed of the addresses in text (one per line). */
static struct tw_feed feed_of(const char *text)
{
	struct tw_feed f;

	assert_int_equal(tw_feed_parse_buffer(text, strlen(text), &f), 0);
	return f;
}

static int accept_text(struct tw_source *s, const char *text, int64_t now, bool force,
		       char *why)
{
	struct tw_feed f = feed_of(text);
	int ret = tw_source_accept(s, &f, now, &pol, force, why, 200);

	tw_feed_free(&f);
	return ret;
}

static bool has(const struct tw_source *s, const char *addr)
{
	struct tw_prefix p;
	const char *why;

	assert_int_equal(tw_prefix_parse(addr, &p, &why), 0);
	for (size_t i = 0; i < s->n_seen; i++)
		if (!tw_prefix_cmp(&s->seen[i].p, &p))
			return true;
	return false;
}

/* A fetched source's share is bounded: the entries it stopped listing
 * longest ago leave first, what it lists now always stays, and a list
 * larger than the share is refused whole. */
static void test_share_bounded(void **state)
{
	const struct tw_feed_policy small = { .expire_s = 1000, .max_shrink_pct = 100, .max_entries = 4 };
	struct tw_source s = { .kind = TW_SOURCE_URL };
	struct tw_feed f;
	char why[200] = "";

	f = feed_of("192.0.2.1\n192.0.2.2\n");
	assert_int_equal(tw_source_accept(&s, &f, 100, &small, false, why, sizeof(why)), 0);
	tw_feed_free(&f);
	f = feed_of("192.0.2.3\n");
	assert_int_equal(tw_source_accept(&s, &f, 200, &small, false, why, sizeof(why)), 0);
	tw_feed_free(&f);
	f = feed_of("192.0.2.4\n192.0.2.5\n");
	assert_int_equal(tw_source_accept(&s, &f, 300, &small, false, why, sizeof(why)), 0);
	tw_feed_free(&f);
	assert_int_equal(s.n_seen, 4);
	assert_true(has(&s, "192.0.2.4") && has(&s, "192.0.2.5") && has(&s, "192.0.2.3"));
	/* One of the two last seen at 100 left; the one seen at 200 stayed. */
	assert_true(has(&s, "192.0.2.1") != has(&s, "192.0.2.2"));
	f = feed_of("198.51.100.1\n198.51.100.2\n198.51.100.3\n198.51.100.4\n198.51.100.5\n");
	assert_int_equal(tw_source_accept(&s, &f, 400, &small, false, why, sizeof(why)), -EBADMSG);
	tw_feed_free(&f);
	assert_non_null(strstr(why, "it lists 5 entries, more than the 4 the maps hold"));
	assert_int_equal(s.n_seen, 4);
	free(s.seen);
}

static void test_guard(void **state)
{
	struct tw_source s = { .kind = TW_SOURCE_URL };
	char why[200] = "", list[1024] = "";

	assert_int_equal(accept_text(&s, "", 1000, false, why), -EBADMSG);
	assert_string_equal(why, "no valid entry in 0 lines (0 bad)");
	assert_int_equal(accept_text(&s, "garbage\n", 1000, true, why), -EBADMSG);
	assert_non_null(strstr(why, "no valid entry in 1 line (1 bad)"));
	for (int i = 1; i <= 10; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "192.0.2.%d\n", i);
	assert_int_equal(accept_text(&s, list, 1000, false, why), 0);
	assert_int_equal(s.listed, 10);
	/* Half is allowed (50%), less is not. */
	assert_int_equal(accept_text(&s, "192.0.2.1\n192.0.2.2\n192.0.2.3\n192.0.2.4\n", 1010,
				     false, why), -EBADMSG);
	assert_non_null(strstr(why, "4 entries would replace 10 (-60%, more than the 50% allowed)"));
	assert_int_equal(s.listed, 10);
	assert_int_equal(s.listed_at, 1000);
	assert_int_equal(accept_text(&s, "192.0.2.1\n192.0.2.2\n192.0.2.3\n192.0.2.4\n192.0.2.5\n",
				     1020, false, why), 0);
	assert_int_equal(s.listed, 5);
	/* Duplicates count once. */
	assert_int_equal(accept_text(&s, "192.0.2.1\n192.0.2.1\n192.0.2.2\n192.0.2.3\n", 1030,
				     true, why), 0);
	assert_int_equal(s.listed, 3);
	free(s.seen);
}

static void test_expiry(void **state)
{
	struct tw_source s = { .kind = TW_SOURCE_URL };
	char why[200];

	assert_int_equal(accept_text(&s, "192.0.2.1\n192.0.2.2\n192.0.2.3\n", 1000, false, why), 0);
	assert_int_equal(accept_text(&s, "192.0.2.1\n192.0.2.2\n198.51.100.1\n", 1050, false, why), 0);
	/* 192.0.2.3 is no longer listed but stays until unseen for 100 s. */
	assert_int_equal(s.n_seen, 4);
	assert_int_equal(s.listed, 3);
	assert_int_equal(tw_source_expire(&s, 1100, pol.expire_s), 0);
	assert_true(has(&s, "192.0.2.3"));
	assert_int_equal(tw_source_expire(&s, 1101, pol.expire_s), 1);
	assert_false(has(&s, "192.0.2.3"));
	/* The last good list itself never expires: an outage must not empty the set. */
	assert_int_equal(tw_source_expire(&s, 999999, pol.expire_s), 0);
	assert_int_equal(s.n_seen, 3);
	/* A 304 confirms the listed entries; the unlisted keep their own time. */
	assert_int_equal(accept_text(&s, "192.0.2.1\n192.0.2.2\n", 2000, false, why), 0);
	tw_source_confirm(&s, 2500);
	assert_int_equal(tw_source_expire(&s, 2101, pol.expire_s), 1); /* 198.51.100.1, seen at 2000 */
	for (size_t i = 0; i < s.n_seen; i++)
		assert_int_equal(tw_source_entry_seen(&s, i), 2500);
	free(s.seen);
}

/* The apply thread's copy borrows the loop's entries: while lent, what
 * the loop accepts or expires goes to new arrays and the copy still reads
 * the old ones whole (ASan in the sanitized tier sees any early free); the
 * old are freed when the copy is given back. */
static void test_lent_entries_stay(void **state)
{
	struct tw_sources ss = { .n = 1 }, copy, copy2;
	struct tw_source *s = &ss.s[0];
	struct tw_seen *lent;
	char why[200];

	s->kind = TW_SOURCE_URL;
	assert_int_equal(accept_text(s, "192.0.2.1\n192.0.2.2\n192.0.2.3\n", 1000, false, why), 0);
	tw_sources_lend(&ss, &copy);
	tw_sources_lend(&ss, &copy2);
	lent = s->seen;
	assert_ptr_equal(copy.s[0].seen, lent);
	assert_true(copy.s[0].borrowed);
	assert_int_equal(s->lent, 2);
	/* A new list and an expiry on the loop's side: new arrays. */
	assert_int_equal(accept_text(s, "192.0.2.1\n192.0.2.2\n", 1050, false, why), 0);
	assert_ptr_not_equal(s->seen, lent);
	assert_int_equal(tw_source_expire(s, 1200, pol.expire_s), 1);
	assert_int_equal(s->n_seen, 2);
	assert_int_equal(s->n_retired, 2);
	/* The copy reads its three entries as they were. */
	assert_int_equal(copy.s[0].n_seen, 3);
	assert_true(has(&copy.s[0], "192.0.2.3"));
	/* A list accepted into the copy is the copy's own; the lent one stays. */
	assert_int_equal(accept_text(&copy.s[0], "198.51.100.1\n198.51.100.2\n", 1300, false, why), 0);
	assert_false(copy.s[0].borrowed);
	assert_true(has(&copy2.s[0], "192.0.2.3"));
	struct tw_retired out = {};

	tw_sources_free(&copy);
	tw_sources_give_back(&ss, &out);
	assert_int_equal(s->n_retired, 2); /* copy2 still reads the first */
	assert_int_equal(out.n, 0);
	assert_true(has(&copy2.s[0], "192.0.2.3"));
	tw_sources_give_back(&ss, &out);
	assert_int_equal(s->lent, 0);
	assert_int_equal(s->n_retired, 0);
	/* The old arrays are the caller's now, whole until it frees them (the
	 * loop hands them to the apply thread): copy2 still reads them. */
	assert_int_equal(out.n, 2);
	assert_true(has(&copy2.s[0], "192.0.2.3"));
	tw_sources_free(&copy2);
	tw_retired_free(&out);
	assert_int_equal(out.n, 0);
	/* Not lent: expiry works in place again. */
	assert_int_equal(accept_text(s, "192.0.2.1\n", 1400, true, why), 0);
	struct tw_seen *before = s->seen;

	assert_int_equal(tw_source_expire(s, 1600, pol.expire_s), 1);
	assert_ptr_equal(s->seen, before);
	assert_int_equal(s->n_seen, 1);
	tw_sources_free(&ss);
}

static void test_files_are_taken_whole(void **state)
{
	struct tw_source s = { .kind = TW_SOURCE_FILE }, d = { .kind = TW_SOURCE_DENY };
	char why[200];

	assert_int_equal(accept_text(&s, "192.0.2.1\n192.0.2.2\n", 1000, false, why), 0);
	assert_int_equal(accept_text(&s, "192.0.2.1\n", 1001, false, why), 0);
	assert_int_equal(s.n_seen, 1); /* no grace for lines removed from a file */
	/* A deny file may be emptied, and has no shrink guard. */
	assert_int_equal(accept_text(&d, "192.0.2.1\n192.0.2.2\n192.0.2.3\n", 1000, false, why), 0);
	assert_int_equal(accept_text(&d, "# none\n", 1001, false, why), 0);
	assert_int_equal(d.n_seen, 0);
	free(s.seen);
	free(d.seen);
}

/* The daemon's merge (tw_sources_build_set) is the tested one
 * (tw_exit_set_add_feed + finalize): the same lists give the same set,
 * masks and digest. */
static void test_daemon_merge_is_the_tested_merge(void **state)
{
	static const char *const lists[] = { "192.0.2.1\n198.51.100.0/24\n2001:db8::1\n",
					     "192.0.2.1\n203.0.113.5\n",
					     "2001:db8::1\n198.51.100.0/24\n10.0.0.1\n" };
	struct tw_sources ss = {};
	struct tw_exit_set daemon, tested = {};
	char why[200], name[8];

	for (unsigned i = 0; i < 3; i++) {
		struct tw_feed f = feed_of(lists[i]);

		snprintf(name, sizeof(name), "s%u", i);
		assert_int_equal(accept_text(tw_sources_add(&ss, TW_SOURCE_URL, name, "http://x"),
					     lists[i], 1000, false, why), 0);
		assert_int_equal(tw_exit_set_add_feed(&tested, &f, i), 0);
		tw_feed_free(&f);
	}
	tw_exit_set_finalize(&tested);
	assert_int_equal(tw_sources_build_set(&ss, &daemon), 0);
	assert_int_equal(daemon.n, tested.n);
	assert_int_equal(daemon.n, 5);
	for (size_t i = 0; i < daemon.n; i++) {
		assert_int_equal(tw_prefix_cmp(&daemon.e[i].p, &tested.e[i].p), 0);
		assert_int_equal(daemon.e[i].sources, tested.e[i].sources);
	}
	assert_true(tw_exit_set_digest(&daemon) == tw_exit_set_digest(&tested));
	/* One merge, one bound: a source past the mask is refused, not shifted out. */
	assert_int_equal(tw_exit_set_add_listed(&tested, &daemon.e[0].p, 1, sizeof(daemon.e[0]),
						TW_MAX_SOURCES), -E2BIG);
	tw_exit_set_free(&daemon);
	tw_exit_set_free(&tested);
	tw_sources_free(&ss);
}

static void test_merge_and_snapshot(void **state)
{
	struct tw_sources ss = {};
	struct tw_source *a = tw_sources_add(&ss, TW_SOURCE_URL, "a", "http://a");
	struct tw_source *deny = tw_sources_add(&ss, TW_SOURCE_DENY, "deny", "/d");
	struct tw_source *snap = tw_sources_add(&ss, TW_SOURCE_SNAPSHOT, "snap", "");
	struct tw_source_info info[TW_MAX_SOURCES];
	struct tw_set_counts counts[TW_MAX_SOURCES];
	struct tw_exit_set set;
	char why[200];

	assert_int_equal(tw_source_read_snapshot(snap, 5000), 0);
	assert_int_equal(snap->n_seen, 1174); /* the snapshot's unique addresses */
	assert_int_equal(accept_text(deny, "192.0.2.9\n", 5000, false, why), 0);
	/* Only the deny file has data: the snapshot is used. */
	assert_int_equal(tw_sources_build_set(&ss, &set), 0);
	assert_int_equal(set.n, snap->n_seen + 1);
	tw_sources_count_set(&set, counts);
	tw_sources_describe(&ss, counts, info);
	assert_int_equal(info[2].state, TW_SRC_NEVER);
	assert_int_equal(tw_sources_newest(&ss), 1710253718); /* the snapshot's newest record */
	tw_exit_set_free(&set);
	/* A live source has data: the snapshot stands by. */
	assert_int_equal(accept_text(a, "192.0.2.1\n192.0.2.9\n", 6000, false, why), 0);
	assert_int_equal(tw_sources_build_set(&ss, &set), 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(set.e[1].sources, 0x3); /* 192.0.2.9: a and the deny file */
	tw_sources_count_set(&set, counts);
	assert_int_equal(counts[0].exact_v4, 2);
	assert_int_equal(counts[1].exact_v4, 1); /* the deny file: 192.0.2.9 */
	tw_sources_describe(&ss, counts, info);
	assert_int_equal(info[2].state, TW_SRC_STANDBY);
	assert_int_equal(info[0].exact_v4, 2);
	assert_int_equal(info[2].exact_v4, 0);
	assert_int_equal(tw_sources_newest(&ss), 6000);
	tw_exit_set_free(&set);
	tw_sources_free(&ss);
}

static void test_digest(void **state)
{
	struct tw_sources ss = {};
	struct tw_source *a = tw_sources_add(&ss, TW_SOURCE_URL, "a", "http://a");
	struct tw_source *b = tw_sources_add(&ss, TW_SOURCE_URL, "b", "http://b");
	struct tw_exit_set s1, s2;
	uint64_t d1, d2;
	char why[200];

	assert_int_equal(accept_text(a, "192.0.2.1\n2001:db8::1\n", 1000, false, why), 0);
	assert_int_equal(tw_sources_build_set(&ss, &s1), 0);
	d1 = tw_exit_set_digest(&s1);
	assert_int_not_equal(d1, 0);
	/* The same entries in another order: the same digest. */
	assert_int_equal(accept_text(a, "2001:db8::1\n192.0.2.1\n", 2000, false, why), 0);
	assert_int_equal(tw_sources_build_set(&ss, &s2), 0);
	assert_true(tw_exit_set_digest(&s2) == d1);
	tw_exit_set_free(&s2);
	/* Another source lists one of them: the mask differs, so must the digest. */
	assert_int_equal(accept_text(b, "192.0.2.1\n", 2000, false, why), 0);
	assert_int_equal(tw_sources_build_set(&ss, &s2), 0);
	d2 = tw_exit_set_digest(&s2);
	assert_true(d2 != d1);
	tw_exit_set_free(&s2);
	s2 = (struct tw_exit_set){};
	assert_int_not_equal(tw_exit_set_digest(&s2), 0);
	tw_exit_set_free(&s1);
	tw_sources_free(&ss);
}

static void test_backoff(void **state)
{
	struct tw_source s = { .kind = TW_SOURCE_URL, .interval_s = 3600 };

	/* rnd 0.5: no jitter. */
	assert_int_equal(tw_source_next_attempt(&s, 0, true, &pol, 0.5), 3600000);
	s.failures = 1;
	assert_int_equal(tw_source_next_attempt(&s, 0, false, &pol, 0.5), 10000);
	s.failures = 2;
	assert_int_equal(tw_source_next_attempt(&s, 0, false, &pol, 0.5), 20000);
	s.failures = 4;
	assert_int_equal(tw_source_next_attempt(&s, 0, false, &pol, 0.5), 80000);
	s.failures = 40; /* capped at the interval */
	assert_int_equal(tw_source_next_attempt(&s, 0, false, &pol, 0.5), 3600000);
	/* Jitter: +-20% on retries, +-10% on the interval. */
	s.failures = 1;
	assert_int_equal(tw_source_next_attempt(&s, 0, false, &pol, 0.0), 8000);
	assert_int_equal(tw_source_next_attempt(&s, 0, false, &pol, 0.999999), 11999);
	assert_int_equal(tw_source_next_attempt(&s, 0, true, &pol, 0.0), 3240000);
	/* A publisher's limit holds for retries too. */
	s.min_interval_s = 1800;
	assert_int_equal(tw_source_next_attempt(&s, 0, false, &pol, 0.5), 1800000);
}

static void test_cache_round_trip(void **state)
{
	char dir[] = "/tmp/tw-cache-XXXXXX", path[256], why[200];
	struct tw_source s = { .kind = TW_SOURCE_URL, .url = "http://x/list" }, r = s, other = s;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	tw_source_cache_name("onionoo", s.cache_name, sizeof(s.cache_name));
	assert_string_equal(s.cache_name, "onionoo.cache");
	tw_source_cache_name("http://x/../etc", r.cache_name, sizeof(r.cache_name));
	assert_int_equal(strncmp(r.cache_name, "feed-", 5), 0);
	assert_null(strchr(r.cache_name, '/'));
	assert_int_equal(accept_text(&s, "192.0.2.1\n2001:db8::1\n192.0.2.0/24\n", 1000, false, why), 0);
	assert_int_equal(accept_text(&s, "192.0.2.1\n2001:db8::1\n", 1100, false, why), 0);
	tw_source_confirm(&s, 1200);
	strcpy(s.etag, "\"abc\"");
	strcpy(s.last_modified, "Tue, 12 Mar 2024 14:00:00 GMT");
	assert_int_equal(tw_source_cache_write(&s, dir), 0);

	memcpy(r.cache_name, s.cache_name, sizeof(r.cache_name));
	assert_int_equal(tw_source_cache_read(&r, dir, why, sizeof(why)), 0);
	assert_int_equal(r.n_seen, 3);
	assert_int_equal(r.listed, 2);
	assert_int_equal(r.listed_at, 1100);
	assert_int_equal(r.confirmed_at, 1200);
	assert_string_equal(r.etag, "\"abc\"");
	assert_string_equal(r.last_modified, "Tue, 12 Mar 2024 14:00:00 GMT");
	for (size_t i = 0; i < r.n_seen; i++) {
		assert_int_equal(tw_prefix_cmp(&r.seen[i].p, &s.seen[i].p), 0);
		assert_int_equal(tw_source_entry_seen(&r, i), tw_source_entry_seen(&s, i));
	}
	/* A cache of another URL is not this source's. */
	strcpy(other.url, "http://y/list");
	memcpy(other.cache_name, s.cache_name, sizeof(other.cache_name));
	assert_int_equal(tw_source_cache_read(&other, dir, why, sizeof(why)), -ENOENT);
	/* A damaged cache is refused with the line. */
	snprintf(path, sizeof(path), "%s/%s", dir, s.cache_name);
	f = fopen(path, "a");
	fputs("192.0.2.0 12\n", f); /* out of order */
	fclose(f);
	strcpy(other.url, s.url);
	assert_int_equal(tw_source_cache_read(&other, dir, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "line 12: entries out of order"));
	f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	assert_int_equal(tw_source_cache_read(&other, dir, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "line 1: not a torwatch source cache"));
	assert_int_equal(other.n_seen, 0);
	unlink(path);
	rmdir(dir);
	free(s.seen);
	free(r.seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_lent_entries_stay),
		cmocka_unit_test(test_files_are_taken_whole),
		cmocka_unit_test(test_daemon_merge_is_the_tested_merge),
		cmocka_unit_test(test_merge_and_snapshot),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_cache_round_trip),
		cmocka_unit_test(test_share_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
