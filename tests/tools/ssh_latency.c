// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ssh_latency ALERTS SRC DST PORT N: opens N TCP connections from SRC to an
 * SSH server at DST:PORT, notes when each connect() returns (the client's
 * connection is established), then finds each one's ssh_from_tor alert in
 * ALERTS by source port and prints the latency to the alert's event.created
 * (when torwatch wrote it): p50, p99, max, over the N connections. */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 10000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "2026-11-22T19:45:13.123456Z" -> unix seconds. */
static double parse_iso(const char *s)
{
	struct tm tm = { 0 };
	const char *frac = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!frac)
		return 0;
	return (double)timegm(&tm) + (*frac == '.' ? atof(frac) : 0);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static double sent[65536], lat[MAX_CONN], own[MAX_CONN];
	static unsigned short ports[MAX_CONN];
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	int n, found = 0;

	if (argc != 6 || inet_pton(AF_INET, argv[2], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1 || (n = atoi(argv[5])) <= 0 ||
	    n > MAX_CONN) {
		fprintf(stderr, "usage: ssh_latency ALERTS SRC DST PORT N (N <= %d)\n", MAX_CONN);
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[4]));
	for (int i = 0; i < n; i++) {
		struct sockaddr_in local;
		socklen_t len = sizeof(local);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
		    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			perror("ssh_latency: connect");
			return 1;
		}
		double t = now_s();

		getsockname(fd, (struct sockaddr *)&local, &len);
		ports[i] = ntohs(local.sin_port);
		sent[ports[i]] = t;
		close(fd);
		usleep(5000);
	}
	/* Collect the alerts, waiting up to 3 s for the last ones. */
	for (double deadline = now_s() + 3; found < n && now_s() < deadline; usleep(50000)) {
		FILE *f = fopen(argv[1], "r");
		char line[8192];

		found = 0;
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f) && found < n) {
			struct json_object *a = json_tokener_parse(line), *rule, *id, *src_o, *port, *ev,
					   *created, *ts;

			if (!a)
				continue;
			if (json_object_object_get_ex(a, "rule", &rule) &&
			    json_object_object_get_ex(rule, "id", &id) &&
			    !strcmp(json_object_get_string(id), "ssh_from_tor") &&
			    json_object_object_get_ex(a, "source", &src_o) &&
			    json_object_object_get_ex(src_o, "port", &port) &&
			    json_object_object_get_ex(a, "event", &ev) &&
			    json_object_object_get_ex(ev, "created", &created) &&
			    json_object_object_get_ex(a, "@timestamp", &ts)) {
				int p = json_object_get_int(port);
				double written = parse_iso(json_object_get_string(created));

				for (int i = 0; i < n; i++)
					if (ports[i] == p && sent[p] > 0) {
						own[found] = written - parse_iso(json_object_get_string(ts));
						lat[found++] = written - sent[p];
						break;
					}
			}
			json_object_put(a);
		}
		fclose(f);
	}
	if (found < n) {
		printf("ssh_latency: only %d of %d connections got an alert\n", found, n);
		return 1;
	}
	qsort(lat, (size_t)n, sizeof(double), cmp);
	qsort(own, (size_t)n, sizeof(double), cmp);
	printf("  %d connections; ms            p50      p99      max\n", n);
	printf("  client connect() returned -> alert written  %8.3f %8.3f %8.3f  (goal: p99 < 5) %s\n",
	       lat[n / 2] * 1e3, lat[(n * 99) / 100] * 1e3, lat[n - 1] * 1e3,
	       lat[(n * 99) / 100] < 0.005 ? "met" : "MISSED");
	printf("  kernel event (@timestamp) -> alert written %8.3f %8.3f %8.3f\n", own[n / 2] * 1e3,
	       own[(n * 99) / 100] * 1e3, own[n - 1] * 1e3);
	return 0;
}
