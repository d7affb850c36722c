// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/torclient/relay_set.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/timeutil.h"

extern const char tw_relays_builtin_start[], tw_relays_builtin_end[];

#define RELAY_FILE_MAX (64 << 20)	/* a relay file larger than this is not read */

static void refused(struct tw_relay_refresh *r, const char *what, const char *why)
{
	if (r->n_refused < sizeof(r->refused) / sizeof(r->refused[0]))
		snprintf(r->refused[r->n_refused++], sizeof(r->refused[0]), "%s: %s", what, why);
}

static char *read_all(const char *path, size_t *len, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > RELAY_FILE_MAX) {
		snprintf(why, whylen, "cannot read it: %s",
			 fd < 0 ? strerror(errno) : !S_ISREG(st.st_mode) ? "not a regular file" :
			 st.st_size > RELAY_FILE_MAX ? "larger than 64 MiB" : strerror(errno));
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		snprintf(why, whylen, "cannot read it: %s", strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = (size_t)n;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Reads f again when its stat changed; a list that does not parse leaves
 * its last good one. True when its list changed. */
static bool reload_file(struct tw_relay_file *f, uint32_t bit, bool force,
			struct tw_relay_refresh *r)
{
	struct tw_relay_list fresh = {};
	char why[256] = "";
	struct stat st;
	size_t len = 0;
	char *text;

	if (stat(f->path, &st)) {
		if (!f->seen || force)
			refused(r, f->path, strerror(errno));
		f->seen = true;
		return false;
	}
	if (!force && f->seen && st.st_dev == f->dev && st.st_ino == f->ino &&
	    st.st_size == f->size && ((int64_t)st.st_mtim.tv_sec * (int64_t)TW_NS_PER_SEC + st.st_mtim.tv_nsec) == f->mtime_ns)
		return false;
	f->seen = true;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime_ns = ((int64_t)st.st_mtim.tv_sec * (int64_t)TW_NS_PER_SEC + st.st_mtim.tv_nsec);
	text = read_all(f->path, &len, why, sizeof(why));
	if (!text || tw_relay_list_parse(text, len, bit, &fresh, why, sizeof(why))) {
		if (!why[0])
			snprintf(why, sizeof(why), "out of memory");
		refused(r, f->path, why);
		free(text);
		tw_relay_list_free(&fresh);
		return false;
	}
	free(text);
	tw_relay_list_sort(&fresh);
	tw_relay_list_free(&f->good);
	f->good = fresh;
	return true;
}

static int merged(const struct tw_relay_set *rs, struct tw_relay_list *out)
{
	char why[160];

	if (rs->builtin && tw_relay_list_parse(tw_relays_builtin_start,
					       (size_t)(tw_relays_builtin_end - tw_relays_builtin_start),
					       1, out, why, sizeof(why)))
		return -EINVAL;	/* the build's own list: tests keep it good */
	for (size_t i = 0; i < rs->n_files; i++)
		if (tw_relay_list_merge(out, &rs->files[i].good))
			return -ENOMEM;
	tw_relay_list_sort(out);
	return 0;
}

static bool same_set(const struct tw_relay_list *a, const struct tw_relay_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(&a->e[i].key, &b->e[i].key, sizeof(a->e[i].key)) ||
		    a->e[i].sources != b->e[i].sources)
			return false;
	return true;
}

/* New and changed entries first, then the ones that left: a relay in both
 * sets is in the map all along. */
static int write_map(int fd, const struct tw_relay_list *old, const struct tw_relay_list *new,
		     struct tw_relay_refresh *r)
{
	for (size_t i = 0; i < new->n; i++) {
		const struct tw_relay_entry *was = tw_relay_list_find(old, &new->e[i].key);
		struct tw_relay v = { .sources = new->e[i].sources };

		if (was && was->sources == v.sources)
			continue;
		if (bpf_map_update_elem(fd, &new->e[i].key, &v, BPF_ANY))
			return -errno;
		if (!was)
			r->added++;
	}
	for (size_t i = 0; i < old->n; i++)
		if (!tw_relay_list_find(new, &old->e[i].key)) {
			if (bpf_map_delete_elem(fd, &old->e[i].key) && errno != ENOENT)
				return -errno;
			r->removed++;
		}
	return 0;
}

int tw_relay_set_refresh(struct tw_relay_set *rs, int map_fd, bool force,
			 struct tw_relay_refresh *r)
{
	struct tw_relay_list next = {};
	bool any = force || !rs->current.n;
	char why[200];
	uint64_t t0;
	int err;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < rs->n_files; i++)
		if (reload_file(&rs->files[i], 1u << (i + 1), force, r))
			any = true;
	if (!any)
		return 0;
	err = merged(rs, &next);
	if (err)
		goto out;
	if (!next.n) {
		refused(r, "the relay set", "it would be empty; the last good set stays");
		goto out;
	}
	if (next.n > rs->max_relays) {
		snprintf(why, sizeof(why), "%zu relay addresses and ports, more than max-relays (%u); the last good set stays",
			 next.n, rs->max_relays);
		refused(r, "the relay set", why);
		goto out;
	}
	if (rs->current.n && rs->max_shrink_pct < 100 &&
	    next.n * 100 < rs->current.n * (100 - rs->max_shrink_pct)) {
		snprintf(why, sizeof(why), "it would shrink from %zu to %zu entries, more than max-shrink (%u%%); the last good set stays",
			 rs->current.n, next.n, rs->max_shrink_pct);
		refused(r, "the relay set", why);
		goto out;
	}
	if (same_set(&rs->current, &next))
		goto out;
	t0 = tw_now_mono_ns();
	if (map_fd >= 0) {
		err = write_map(map_fd, &rs->current, &next, r);
		if (err)
			goto out;
	}
	rs->apply_usec = (tw_now_mono_ns() - t0) / 1000;
	tw_relay_list_free(&rs->current);
	rs->current = next;
	memset(&next, 0, sizeof(next));
	r->changed = true;
out:
	tw_relay_list_free(&next);
	return err;
}

void tw_relay_set_free(struct tw_relay_set *rs)
{
	for (size_t i = 0; i < rs->n_files; i++)
		tw_relay_list_free(&rs->files[i].good);
	tw_relay_list_free(&rs->current);
}
