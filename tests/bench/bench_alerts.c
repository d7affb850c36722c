// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Alert delivery, side by side in one run: sustained alerts per second and
 * CPU per 10k alerts through tw_emit() into the JSON-lines file sink (with
 * the tor_traffic throttle off, on with every alert a new source, and on with
 * one source), and into HTTP sinks (one alert per POST, and Splunk HEC in
 * batches of 100) to a real HTTP/1.1 server on loopback started here; and
 * the time a spool of 10k high alerts takes to drain once the receiver is
 * back; high alerts to the HTTP sinks with and without the spool they are
 * written ahead to (what not losing them to a crash costs). CPU is the
 * whole process's (the HTTP worker threads and the
 * receiver's included for the HTTP rows). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_record.h"
#include "alerts/ecs.h"
#include "alerts/emit.h"
#include "common/addr.h"

#define FILE_ALERTS 200000
#define HTTP_ALERTS 20000
#define SPOOL_ALERTS 10000

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* A tor_traffic alert as the XDP path builds it, from source number i. */
static struct json_object *traffic_alert(uint32_t i, const struct tw_rule *rule)
{
	struct json_object *a = tw_alert_new(rule, "Known Tor Exit Node Traffic", 0);
	struct tw_prefix src = { .family = AF_INET, .prefixlen = 32 }, dst;
	uint32_t v4 = htonl(0x0a000000u | (i & 0xffffff));

	tw_prefix_parse("198.51.100.1", &dst, NULL);
	memcpy(src.addr, &v4, 4);
	tw_alert_set_endpoint(a, "source", &src, 1, 40000);
	tw_alert_set_endpoint(a, "destination", &dst, 1, 22);
	tw_json_set(a, "network.transport", json_object_new_string("tcp"));
	tw_json_set(a, "threat.indicator.ip", json_object_new_string("10.0.0.1"));
	tw_json_set(a, "threat.feed.name", json_object_new_string("exit-addresses"));
	return a;
}

struct result {
	double wall, cpu, per_s, cpu_us_per_10k;
};

static struct result measure(double t0, double c0, unsigned n)
{
	struct result r = { .wall = now_s() - t0, .cpu = cpu_s() - c0 };

	r.per_s = n / r.wall;
	r.cpu_us_per_10k = r.cpu * 1e6 / n * 10000;
	return r;
}

static void row(const char *name, struct result r, const struct result *base)
{
	bench_record("alerts", name, r.per_s, "alerts/s", NULL, false);
	printf("  %-50s %8.0f/s %9.1f ms", name, r.per_s, r.cpu_us_per_10k / 1000);
	if (base)
		printf("   %5.2fx", r.per_s / base->per_s);
	printf("\n");
}

enum throttle_case { OFF, DISTINCT, ONE_SOURCE };

static struct result file_sink(const char *path, enum throttle_case tc)
{
	/* Room for every line: the writer thread never drops one here. */
	struct tw_sink_settings set = { .queue_max = FILE_ALERTS };
	struct tw_emitter e = {};
	char err[256];
	double t0, c0;

	unlink(path);
	if (tw_emitter_add_with(&e, path, &set, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	if (tc != OFF)
		tw_throttle_defaults(&e.throttle);
	t0 = now_s(), c0 = cpu_s();
	for (uint32_t i = 0; i < FILE_ALERTS; i++)
		tw_emit(&e, traffic_alert(tc == ONE_SOURCE ? 1 : i, &tw_rule_tor_traffic));
	tw_emitter_close(&e);	/* the writer thread writes what is queued first */
	return measure(t0, c0, FILE_ALERTS);
}

/* --- a real HTTP/1.1 server: keep-alive, Content-Length bodies, 200 --- */

static int listen_fd = -1;
static volatile int receiver_up;

static void *serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static char buf[8 << 20];	/* one connection at a time per sink */
	size_t have = 0;

	for (;;) {
		char *end = memmem(buf, have, "\r\n\r\n", 4), *cl;
		size_t head, body;
		ssize_t n;

		if (!end) {
			if (have == sizeof(buf) || (n = read(fd, buf + have, sizeof(buf) - have)) <= 0)
				break;
			have += (size_t)n;
			continue;
		}
		head = (size_t)(end - buf) + 4;
		cl = strcasestr(buf, "Content-Length:");
		body = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
		while (have < head + body && have < sizeof(buf) &&
		       (n = read(fd, buf + have, sizeof(buf) - have)) > 0)
			have += (size_t)n;
		if (have < head + body)
			break;
		static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
		if (write(fd, ok, sizeof(ok) - 1) < 0)
			break;
		memmove(buf, buf + head + body, have - head - body);
		have -= head + body;
	}
	close(fd);
	return NULL;
}

static void *accept_loop(void *arg)
{
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		if (!receiver_up) {
			close(fd);
			continue;
		}
		pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
	return NULL;
}

static int start_receiver(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	pthread_t t;

	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listen_fd, 64) || getsockname(listen_fd, (struct sockaddr *)&sa, &len))
		return -1;
	pthread_create(&t, NULL, accept_loop, NULL);
	return ntohs(sa.sin_port);
}

static void wait_delivered(struct tw_sink *s, uint64_t n)
{
	double until = now_s() + 120;

	while (__atomic_load_n(&s->counts.delivered, __ATOMIC_RELAXED) < n && now_s() < until)
		usleep(200);
	if (s->counts.delivered < n)
		fprintf(stderr, "bench_alerts: only %llu of %llu delivered\n",
			(unsigned long long)s->counts.delivered, (unsigned long long)n);
}

static struct result http_sink(const char *url, const char *spool_dir, const struct tw_rule *rule)
{
	struct tw_sink_settings set = { .token = "bench", .queue_max = HTTP_ALERTS };
	struct tw_emitter e = {};
	char err[256];
	double t0, c0;

	snprintf(set.spool_dir, sizeof(set.spool_dir), "%s", spool_dir);
	if (tw_emitter_add_with(&e, url, &set, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	t0 = now_s(), c0 = cpu_s();
	for (uint32_t i = 0; i < HTTP_ALERTS; i++)
		tw_emit(&e, traffic_alert(i, rule));
	wait_delivered(&e.sinks[0], HTTP_ALERTS);
	struct result r = measure(t0, c0, HTTP_ALERTS);

	tw_emitter_close(&e);
	return r;
}

/* 10k high alerts spooled while the receiver refuses, then a new emitter
 * (a restart) with the receiver up: the time until the spool is empty. */
static double spool_drain(const char *url, const char *spool_dir, double *cpu_ms)
{
	struct tw_sink_settings set = { .token = "bench", .queue_max = 100 };
	struct tw_emitter e = {};
	char err[256];
	double t0, c0;

	snprintf(set.spool_dir, sizeof(set.spool_dir), "%s", spool_dir);
	receiver_up = 0;
	tw_emitter_add_with(&e, url, &set, err, sizeof(err));
	for (uint32_t i = 0; i < SPOOL_ALERTS; i++)
		tw_emit(&e, traffic_alert(i, &tw_rule_unexpected_listen_port));
	tw_emitter_close(&e);	/* the queued hundred join the spool */
	receiver_up = 1;
	memset(&e, 0, sizeof(e));
	t0 = now_s(), c0 = cpu_s();
	if (tw_emitter_add_with(&e, url, &set, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	wait_delivered(&e.sinks[0], SPOOL_ALERTS);
	t0 = now_s() - t0;
	*cpu_ms = (cpu_s() - c0) * 1000;
	tw_emitter_close(&e);
	return t0;
}

/* bench_alerts --journal: the journal: sink beside the file sink, run by
 * bench_journal.sh where a journald of its own listens. */
static int journal_only(const char *path)
{
	struct result off, journal;

	printf("alert delivery to the journal (tor_traffic alerts; CPU of the whole process)\n");
	printf("  %-50s %10s %12s %8s\n", "case", "alerts", "CPU/10k", "ratio");
	off = file_sink(path, OFF);
	journal = http_sink("journal:", "", &tw_rule_tor_traffic);
	row("file sink, throttle off", off, NULL);
	row("journal: sink, one entry per alert", journal, &off);
	return 0;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/torwatch-bench-alerts.XXXXXX", path[128], spool[128], url[128];
	struct result off, distinct, one, single, hec, single_high, hec_high, single_mem, hec_mem;
	int port;
	double drain, drain_cpu;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	if (argc > 1 && !strcmp(argv[1], "--journal")) {
		int ret = journal_only(path);

		snprintf(path, sizeof(path), "rm -rf '%s'", dir);
		return ret || system(path) ? 1 : 0;
	}
	port = start_receiver();
	receiver_up = 1;
	if (port < 0) {
		perror("bench_alerts: receiver");
		return 1;
	}
	printf("alert delivery (tor_traffic alerts as XDP raises them; CPU of the whole process)\n");
	printf("  %-50s %10s %12s %8s\n", "case", "alerts", "CPU/10k", "ratio");
	off = file_sink(path, OFF);
	distinct = file_sink(path, DISTINCT);
	one = file_sink(path, ONE_SOURCE);
	row("file sink, throttle off", off, NULL);
	row("file sink, throttle on, every alert a new source", distinct, &off);
	row("file sink, throttle on, one source (1 written)", one, &off);
	snprintf(url, sizeof(url), "webhook+http://127.0.0.1:%d/hook", port);
	/* High alerts with no spool (memory only, as before the write-ahead)
	 * beside the same with one: what durability costs. */
	single = http_sink(url, "", &tw_rule_tor_traffic);
	single_mem = http_sink(url, "", &tw_rule_unexpected_listen_port);
	single_high = http_sink(url, spool, &tw_rule_unexpected_listen_port);
	snprintf(url, sizeof(url), "hec+http://127.0.0.1:%d", port);
	hec = http_sink(url, "", &tw_rule_tor_traffic);
	hec_mem = http_sink(url, "", &tw_rule_unexpected_listen_port);
	hec_high = http_sink(url, spool, &tw_rule_unexpected_listen_port);
	row("HTTP webhook, one alert per POST", single, &off);
	row("HTTP webhook, high alerts, no spool", single_mem, &single);
	row("HTTP webhook, high alerts, written ahead", single_high, &single_mem);
	row("HTTP Splunk HEC, 100 per POST", hec, &off);
	row("HTTP Splunk HEC, high alerts, no spool", hec_mem, &hec);
	row("HTTP Splunk HEC, high alerts, written ahead", hec_high, &hec_mem);
	printf("  HEC batches vs one per POST: %.1fx the alerts per second\n", hec.per_s / single.per_s);
	snprintf(url, sizeof(url), "webhook+http://127.0.0.1:%d/spool", port);
	drain = spool_drain(url, spool, &drain_cpu);
	printf("  spool of %d high alerts, one per POST, drained after a restart in %.2f s (%.0f alerts/s, %.0f ms CPU)\n",
		SPOOL_ALERTS, drain, SPOOL_ALERTS / drain, drain_cpu);
	snprintf(url, sizeof(url), "hec+http://127.0.0.1:%d", port);
	drain = spool_drain(url, spool, &drain_cpu);
	printf("  the same through Splunk HEC, 100 per POST: %.2f s (%.0f alerts/s, %.0f ms CPU)\n",
	       drain, SPOOL_ALERTS / drain, drain_cpu);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	return system(path) ? 1 : 0;
}
