// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "geo/geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "geo/tor_ranges.h"

#define ISO_CODES "/usr/share/iso-codes/json/iso_3166-1.json"

struct tw_geo {
	MMDB_s country_db, asn_db;
	bool has_country_db, has_asn_db;
	struct tw_tor_ranges tor;
	bool has_tor;
	struct json_object *iso;	/* alpha_2 -> name, from iso-codes; NULL without */
	char country_what[160], asn_what[160];
};

static bool is_mmdb(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && !strcmp(path + n - 5, ".mmdb");
}

static int open_mmdb(MMDB_s *db, const char *path, char *what, size_t whatlen, char *err,
		     size_t errlen)
{
	int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
	char built[16];
	time_t t;
	struct tm tm;

	if (rc != MMDB_SUCCESS) {
		snprintf(err, errlen, "cannot open the geo database %s: %s%s%s", path,
			 MMDB_strerror(rc), rc == MMDB_IO_ERROR ? ": " : "",
			 rc == MMDB_IO_ERROR ? strerror(errno) : "");
		return -EINVAL;
	}
	t = (time_t)db->metadata.build_epoch;
	gmtime_r(&t, &tm);
	strftime(built, sizeof(built), "%Y-%m-%d", &tm);
	snprintf(what, whatlen, "%.80s (mmdb %s, built %s)", db->metadata.database_type, path,
		 built);
	return 0;
}

static int read_tor_file(struct tw_tor_ranges *r, const char *path, bool v6, char *err,
			 size_t errlen)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f) {
		snprintf(err, errlen, "cannot open the geo database %s: %s", path, strerror(errno));
		return -errno;
	}
	ret = tw_tor_ranges_read(r, f, v6, path, err, errlen);
	fclose(f);
	return ret;
}

static int open_tor(struct tw_geo *g, const char *path, char *err, size_t errlen)
{
	char path6[4096];
	int ret;

	ret = read_tor_file(&g->tor, path, false, err, errlen);
	snprintf(path6, sizeof(path6), "%s6", path);
	if (!ret && !access(path6, R_OK))
		ret = read_tor_file(&g->tor, path6, true, err, errlen);
	if (!ret)
		ret = tw_tor_ranges_finish(&g->tor, err, errlen);
	if (ret) {
		tw_tor_ranges_free(&g->tor);
		return ret;
	}
	g->has_tor = true;
	snprintf(g->country_what, sizeof(g->country_what),
		 "Tor geoip files %.100s (%zu IPv4 + %zu IPv6 ranges)", path, g->tor.n4, g->tor.n6);
	return 0;
}

/* The names of Debian's iso-codes; none when it is not installed. */
static void load_iso_names(struct tw_geo *g)
{
	struct json_object *all = json_object_from_file(ISO_CODES), *list;

	if (!all)
		return;
	g->iso = json_object_new_object();
	if (json_object_object_get_ex(all, "3166-1", &list) &&
	    json_object_is_type(list, json_type_array))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *c = json_object_array_get_idx(list, i), *a2, *name;

			if (json_object_object_get_ex(c, "alpha_2", &a2) &&
			    json_object_object_get_ex(c, "name", &name))
				json_object_object_add(g->iso, json_object_get_string(a2),
						       json_object_get(name));
		}
	json_object_put(all);
}

int tw_geo_open(struct tw_geo **out, const char *country, const char *asn, char *err,
		size_t errlen)
{
	struct tw_geo *g = calloc(1, sizeof(*g));
	int ret = 0;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	if (!country || !*country) {
		if (!access(TW_GEO_TOR_DEFAULT, R_OK))
			ret = open_tor(g, TW_GEO_TOR_DEFAULT, err, errlen);
	} else if (strcmp(country, "none")) {
		ret = is_mmdb(country) ? open_mmdb(&g->country_db, country, g->country_what,
						   sizeof(g->country_what), err, errlen) :
					 open_tor(g, country, err, errlen);
		g->has_country_db = !ret && is_mmdb(country);
	}
	if (!ret && asn && *asn) {
		ret = open_mmdb(&g->asn_db, asn, g->asn_what, sizeof(g->asn_what), err, errlen);
		g->has_asn_db = !ret;
	}
	if (ret) {
		tw_geo_close(g);
		return ret;
	}
	load_iso_names(g);
	*out = g;
	return 0;
}

const char *tw_geo_country_source(const struct tw_geo *g)
{
	return g && (g->has_country_db || g->has_tor) ? g->country_what : NULL;
}

const char *tw_geo_asn_source(const struct tw_geo *g)
{
	return g && g->has_asn_db ? g->asn_what : NULL;
}

/* A string at one of the paths into an mmdb entry, into buf. */
static bool mmdb_string(MMDB_entry_s *e, char *buf, size_t len, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return false;
	snprintf(buf, len, "%.*s", (int)d.data_size, d.utf8_string);
	return true;
}

static bool mmdb_find(MMDB_s *db, int family, const uint8_t *addr, MMDB_entry_s *e)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	int err = 0;
	MMDB_lookup_result_s res;

	if (family == AF_INET)
		memcpy(&in.sin_addr, addr, 4);
	else
		memcpy(&in6.sin6_addr, addr, 16);
	res = MMDB_lookup_sockaddr(db, family == AF_INET ? (struct sockaddr *)&in :
						    (struct sockaddr *)&in6, &err);
	if (err != MMDB_SUCCESS || !res.found_entry)
		return false;
	*e = res.entry;
	return true;
}

bool tw_geo_lookup(const struct tw_geo *cg, int family, const uint8_t *addr,
		   struct tw_geo_result *r)
{
	/* libmaxminddb reads an mmap'ed file: const in spirit, not in its API. */
	struct tw_geo *g = (struct tw_geo *)cg;
	static const char *const iso_path[] = { "country", "iso_code", NULL },
				 *const cc_path[] = { "country_code", NULL },
				 *const name_path[] = { "country", "names", "en", NULL },
				 *const asn_org[] = { "autonomous_system_organization", NULL };
	MMDB_entry_s e;

	memset(r, 0, sizeof(*r));
	if (!g)
		return false;
	if (g->has_country_db && mmdb_find(&g->country_db, family, addr, &e)) {
		if (!mmdb_string(&e, r->iso, sizeof(r->iso), iso_path))
			mmdb_string(&e, r->iso, sizeof(r->iso), cc_path);
		mmdb_string(&e, r->name, sizeof(r->name), name_path);
	} else if (g->has_tor) {
		tw_tor_ranges_find(&g->tor, family == AF_INET6, addr, r->iso);
	}
	if (r->iso[0] && !r->name[0] && g->iso) {
		struct json_object *n;

		if (json_object_object_get_ex(g->iso, r->iso, &n))
			snprintf(r->name, sizeof(r->name), "%s", json_object_get_string(n));
	}
	if (g->has_asn_db && mmdb_find(&g->asn_db, family, addr, &e)) {
		static const char *const num[] = { "autonomous_system_number", NULL };
		MMDB_entry_data_s d;

		if (MMDB_aget_value(&e, &d, num) == MMDB_SUCCESS && d.has_data &&
		    d.type == MMDB_DATA_TYPE_UINT32)
			r->asn = d.uint32;
		mmdb_string(&e, r->as_org, sizeof(r->as_org), asn_org);
	}
	return r->iso[0] || r->asn;
}

void tw_geo_close(struct tw_geo *g)
{
	if (!g)
		return;
	if (g->has_country_db)
		MMDB_close(&g->country_db);
	if (g->has_asn_db)
		MMDB_close(&g->asn_db);
	tw_tor_ranges_free(&g->tor);
	json_object_put(g->iso);
	free(g);
}
