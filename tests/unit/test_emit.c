// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one alert exit: tw_emit writes every alert to every sink as one JSON
 * line, counts what a sink could not take, and reopens files (logrotate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alerts/ecs.h"
#include "alerts/emit.h"

static int count_lines(const char *path, const char *must_contain)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct json_object *o = json_tokener_parse(line);

		assert_non_null(o); /* every line is a whole JSON object */
		assert_non_null(strstr(line, must_contain));
		json_object_put(o);
		n++;
	}
	fclose(f);
	return n;
}

static struct json_object *alert(const char *msg)
{
	return tw_alert_new(&tw_rule_ssh_from_tor, msg, 1710252000LL * 1000000000LL);
}

static void test_every_sink_gets_every_alert(void **state)
{
	char dir[] = "/tmp/torwatch-emit.XXXXXX", a[96], b[96], err[256];
	struct tw_emitter e = {};

	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	assert_int_equal(tw_emitter_add(&e, a, err, sizeof(err)), 0);
	assert_int_equal(tw_emitter_add(&e, b, err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++)
		tw_emit(&e, alert("SSH Connection Established from TOR Exit Node (192.0.2.7)"));
	tw_emit(&e, NULL); /* a builder that had nothing to say */
	assert_true(tw_emitter_flush(&e, 5000));	/* the writer threads wrote them */
	assert_int_equal(e.emitted, 3);
	assert_int_equal(e.by_rule[tw_rule_index("ssh_from_tor")], 3);
	assert_int_equal(e.by_rule[tw_rule_index("tor_traffic")], 0);
	assert_int_equal(e.sinks[0].written, 3);
	assert_int_equal(e.sinks[1].written, 3);
	assert_int_equal(count_lines(a, "\"rule\":{\"id\":\"ssh_from_tor\""), 3);
	assert_int_equal(count_lines(b, "192.0.2.7"), 3);

	/* logrotate: the file is moved away; after reopen, new alerts go to a
	 * new file at the old path, none to the moved one. */
	char moved[128];

	snprintf(moved, sizeof(moved), "%s/a.json.1", dir);
	assert_int_equal(rename(a, moved), 0);
	tw_emitter_reopen(&e);
	tw_emit(&e, alert("after rotation"));
	assert_true(tw_emitter_flush(&e, 5000));
	assert_int_equal(count_lines(moved, "ssh_from_tor"), 3);
	assert_int_equal(count_lines(a, "after rotation"), 1);
	tw_emitter_close(&e);
	unlink(a), unlink(b), unlink(moved), rmdir(dir);
}

static void test_open_errors_say_why(void **state)
{
	struct tw_emitter e = {};
	char err[256];

	assert_int_equal(tw_emitter_add(&e, "/nonexistent-dir/alerts.json", err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "cannot open alert file /nonexistent-dir/alerts.json: its directory /nonexistent-dir does not exist");
	assert_int_equal(e.n_sinks, 0);
	assert_int_equal(tw_emitter_add(&e, "", err, sizeof(err)), -EINVAL);
}

/* A sink that fails (a full disk) is counted; the others still get it. */
static void test_failing_sink_is_counted(void **state)
{
	struct tw_emitter e = {};
	char err[256], path[] = "/tmp/torwatch-emit-ok.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	if (access("/dev/full", W_OK)) {
		printf("SKIP: /dev/full is not writable here, the failing sink cannot be made\n");
		unlink(path);
		return;
	}
	assert_int_equal(tw_emitter_add(&e, "/dev/full", err, sizeof(err)), 0);
	assert_int_equal(tw_emitter_add(&e, path, err, sizeof(err)), 0);
	tw_emit(&e, alert("one"));
	tw_emit(&e, alert("two"));
	assert_true(tw_emitter_flush(&e, 5000));
	assert_int_equal(e.sinks[0].failed, 2);
	assert_int_equal(e.sinks[0].written, 0);
	assert_int_equal(e.sinks[1].written, 2);
	assert_int_equal(count_lines(path, "ssh_from_tor"), 2);
	tw_emitter_close(&e);
	unlink(path);
}

/* A reader that stops reading (stdout piped into a stuck program, here a
 * FIFO nobody reads) holds the sink's writer thread, never tw_emit: the
 * emits all return, the queue (100) makes room by dropping the oldest low
 * alerts, and once the reader reads again every high alert arrives. */
static void test_stuck_reader_does_not_block(void **state)
{
	static char all[8 << 20];
	char dir[] = "/tmp/torwatch-emit-fifo.XXXXXX", fifo[96], err[256];
	struct tw_sink_settings set = { .queue_max = 100 };
	struct tw_emitter e = {};
	size_t high = 0, used = 0;
	int rfd;

	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/stuck", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_int_equal(tw_emitter_add_with(&e, fifo, &set, err, sizeof(err)), 0);
	for (int i = 0; i < 2000; i++)
		tw_emit(&e, tw_alert_new(&tw_rule_tor_traffic, "low", 0));
	for (int i = 0; i < 50; i++)
		tw_emit(&e, alert("critical"));
	assert_int_equal(e.emitted, 2050);
	assert_false(tw_emitter_flush(&e, 100));	/* the pipe is full, nobody reads */
	assert_true(e.sinks[0].counts.dropped > 0);
	/* The reader reads again: everything queued comes out. */
	for (bool last = false;;) {
		ssize_t got = read(rfd, all + used, sizeof(all) - used);

		if (got > 0) {
			used += (size_t)got;
			continue;
		}
		assert_true(used < sizeof(all));
		if (last)
			break;
		last = tw_emitter_flush(&e, 10);	/* all written: one more read empties the pipe */
	}
	for (char *p = all; (p = memmem(p, used - (size_t)(p - all), "ssh_from_tor", 12)); p += 12)
		high++;
	/* ssh_from_tor appears twice in each line (rule.id, event.action). */
	assert_int_equal(high, 2 * 50);
	assert_int_equal(e.sinks[0].written + e.sinks[0].counts.dropped, 2050);
	tw_emitter_close(&e);
	close(rfd);
	unlink(fifo), rmdir(dir);
}

/* A new alert file is 0640 whatever the umask: alerts name processes and
 * addresses. Every alert has its own event.id. */
static void test_file_mode_and_event_ids(void **state)
{
	char dir[] = "/tmp/torwatch-emit-mode.XXXXXX", path[96], err[256];
	struct tw_emitter e = {};
	struct stat st;
	mode_t old = umask(0);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	assert_int_equal(tw_emitter_add(&e, path, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	tw_emitter_close(&e);

	static char ids[1000][33];
	for (int i = 0; i < 1000; i++) {
		struct json_object *a = alert("x"), *ev, *id;

		assert_true(json_object_object_get_ex(a, "event", &ev));
		assert_true(json_object_object_get_ex(ev, "id", &id));
		assert_int_equal(strlen(json_object_get_string(id)), 32);
		snprintf(ids[i], sizeof(ids[i]), "%s", json_object_get_string(id));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ids[i], ids[j]);
		json_object_put(a);
	}
	unlink(path);
	rmdir(dir);
}

/* A sink's filter: a minimum severity, a list of rules; what it keeps out
 * is counted, the other sinks still get it. */
static void test_sink_filters(void **state)
{
	char dir[] = "/tmp/torwatch-emit-filter.XXXXXX", all[96], high[96], ssh[96], err[256];
	struct tw_emitter e = {};

	assert_non_null(mkdtemp(dir));
	snprintf(all, sizeof(all), "%s/all.json", dir);
	snprintf(high, sizeof(high), "%s/high.json", dir);
	snprintf(ssh, sizeof(ssh), "%s/ssh.json", dir);
	assert_int_equal(tw_emitter_add(&e, all, err, sizeof(err)), 0);
	assert_int_equal(tw_emitter_add(&e, high, err, sizeof(err)), 0);
	assert_int_equal(tw_emitter_filter_last(&e, "high", NULL, err, sizeof(err)), 0);
	assert_int_equal(tw_emitter_add(&e, ssh, err, sizeof(err)), 0);
	assert_int_equal(tw_emitter_filter_last(&e, NULL, "ssh_from_tor,feed_stale", err,
						sizeof(err)), 0);
	tw_emit(&e, tw_alert_new(&tw_rule_ssh_from_tor, "critical", 0));
	tw_emit(&e, tw_alert_new(&tw_rule_unexpected_listen_port, "high", 0));
	tw_emit(&e, tw_alert_new(&tw_rule_feed_stale, "medium", 0));
	tw_emit(&e, tw_alert_new(&tw_rule_tor_traffic, "low", 0));
	assert_true(tw_emitter_flush(&e, 5000));
	assert_int_equal(count_lines(all, "rule"), 4);
	assert_int_equal(count_lines(high, "rule"), 2);
	assert_int_equal(e.sinks[1].filtered, 2);
	assert_int_equal(count_lines(ssh, "rule"), 2);
	assert_int_equal(e.sinks[2].filtered, 2);
	assert_int_equal(tw_emitter_filter_last(&e, NULL, "ssh_from_tor,no_such_rule", err,
						sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no rule is called 'no_such_rule'"));
	tw_emitter_close(&e);
	unlink(all), unlink(high), unlink(ssh), rmdir(dir);
}

/* An HTTP sink whose receiver is down keeps what it can: when its queue
 * (10,000) is full, the oldest alert below high makes room; when all are
 * high or critical, the newest does not fit, and each drop is counted. */
static void test_http_queue_drops_low_first(void **state)
{
	struct tw_emitter e = {};
	char err[256];

	/* Port 9 refuses: the worker retries with backoff and takes nothing. */
	assert_int_equal(tw_emitter_add(&e, "webhook+http://127.0.0.1:9/hook", err, sizeof(err)), 0);
	for (int i = 0; i < 10000; i++)
		tw_emit(&e, tw_alert_new(&tw_rule_tor_traffic, "low", 0));
	assert_int_equal(e.sinks[0].counts.dropped, 0);
	tw_emit(&e, tw_alert_new(&tw_rule_ssh_from_tor, "critical", 0));
	assert_int_equal(e.sinks[0].counts.dropped, 1);	/* a low one made room */
	assert_int_equal(e.sinks[0].failed, 0);
	for (int i = 0; i < 9999; i++)
		tw_emit(&e, tw_alert_new(&tw_rule_ssh_from_tor, "critical", 0));
	assert_int_equal(e.sinks[0].counts.dropped, 10000);	/* every low one is gone */
	assert_int_equal(e.sinks[0].failed, 0);
	tw_emit(&e, tw_alert_new(&tw_rule_ssh_from_tor, "critical", 0));
	assert_int_equal(e.sinks[0].counts.dropped, 10001);	/* no room left: the newest */
	assert_int_equal(e.sinks[0].failed, 1);
	assert_int_equal(e.sinks[0].counts.delivered, 0);
	tw_emitter_close(&e);				/* the worker stops */
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_sink_gets_every_alert),
		cmocka_unit_test(test_open_errors_say_why),
		cmocka_unit_test(test_failing_sink_is_counted),
		cmocka_unit_test(test_file_mode_and_event_ids),
		cmocka_unit_test(test_stuck_reader_does_not_block),
		cmocka_unit_test(test_sink_filters),
		cmocka_unit_test(test_http_queue_drops_low_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
