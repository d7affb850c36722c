// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Country lookups from Tor's geoip range files (the format Debian's
 * tor-geoipdb ships): IPv4 and IPv6 ranges, names from iso-codes, what is
 * not in a range, and damaged files refused with file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "geo/geo.h"

static char dir[] = "/tmp/tw-geo-XXXXXX";
static char v4[64], v6[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* 198.51.100.0/24 DE, 203.0.113.0/24 NL; 2001:db8::/32 SE. */
static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(v4, sizeof(v4), "%s/geoip", dir);
	snprintf(v6, sizeof(v6), "%s/geoip6", dir);
	write_file(v4, "# Tor's format: INTIPLOW,INTIPHIGH,CC\n"
		       "3325256704,3325256959,DE\n3405803776,3405804031,NL\n");
	write_file(v6, "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,SE\n");
	return 0;
}

static int teardown(void **state)
{
	unlink(v4), unlink(v6), rmdir(dir);
	return 0;
}

static bool lookup(struct tw_geo *g, const char *ip, struct tw_geo_result *r)
{
	uint8_t a[16];
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, ip, a), 1);
	memset(r, 0, sizeof(*r));
	return tw_geo_lookup(g, family, a, r);
}

static void test_tor_files(void **state)
{
	struct tw_geo *g = NULL;
	struct tw_geo_result r;
	char err[256] = "";

	assert_int_equal(tw_geo_open(&g, v4, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(tw_geo_country_source(g), "(2 IPv4 + 1 IPv6 ranges)"));
	assert_true(lookup(g, "198.51.100.7", &r));
	assert_string_equal(r.iso, "DE");
	if (!access("/usr/share/iso-codes/json/iso_3166-1.json", R_OK))
		assert_string_equal(r.name, "Germany");
	else
		printf("# iso-codes is not installed: country names not checked\n");
	assert_true(lookup(g, "203.0.113.255", &r));
	assert_string_equal(r.iso, "NL");
	assert_true(lookup(g, "2001:db8:7::7", &r));
	assert_string_equal(r.iso, "SE");
	assert_false(lookup(g, "192.0.2.1", &r));	/* in no range */
	assert_string_equal(r.iso, "");
	assert_false(lookup(g, "2001:db9::1", &r));
	assert_int_equal(r.asn, 0);			/* no ASN database */
	tw_geo_close(g);
}

static void test_none_knows_nothing(void **state)
{
	struct tw_geo *g = NULL;
	struct tw_geo_result r;
	char err[256] = "";

	assert_int_equal(tw_geo_open(&g, "none", NULL, err, sizeof(err)), 0);
	assert_false(lookup(g, "198.51.100.7", &r));
	assert_null(tw_geo_country_source(g));
	tw_geo_close(g);
}

/* A damaged database is refused, naming its file and line. */
static void test_damaged_files_say_where(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "3325256704,3325256959,DE\nnot a line\n", ":2: not LOW,HIGH,COUNTRY" },
		{ "3325256959,3325256704,DE\n", ":1: LOW is above HIGH" },
		{ "3325256704,3325256959,Germany\n", ":1: not a two-letter country code" },
	};
	struct tw_geo *g = NULL;
	char err[256], path[96];

	snprintf(path, sizeof(path), "%s/damaged", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i].text);
		err[0] = '\0';
		assert_true(tw_geo_open(&g, path, NULL, err, sizeof(err)) < 0);
		if (!strstr(err, path) || !strstr(err, bad[i].why))
			fail_msg("case %zu: '%s' does not name %s%s", i, err, path, bad[i].why);
	}
	unlink(path);
	assert_true(tw_geo_open(&g, path, NULL, err, sizeof(err)) < 0);	/* missing */
	assert_non_null(strstr(err, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tor_files),
		cmocka_unit_test(test_none_knows_nothing),
		cmocka_unit_test(test_damaged_files_say_where),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
