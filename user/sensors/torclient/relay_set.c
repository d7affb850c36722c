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

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * (int64_t)TW_NS_PER_SEC + st->st_mtim.tv_nsec;
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

/* Reads f again when its stat changed, into its pending list; a list that
 * does not parse is refused (its last good one stays). */
static void reload_file(struct tw_relay_source *f, uint32_t bit, bool force,
			struct tw_relay_refresh *r)
{
	struct tw_relay_list fresh = {};
	char why[256] = "";
	struct stat st;
	size_t len = 0;
	char *text;

	if (stat(f->name, &st)) {
		if (!f->seen || force)
			refused(r, f->name, strerror(errno));
		f->seen = true;
		return;
	}
	if (!force && f->seen && st.st_dev == f->dev && st.st_ino == f->ino &&
	    st.st_size == f->size && mtime_ns(&st) == f->mtime_ns)
		return;
	f->seen = true;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime_ns = mtime_ns(&st);
	text = read_all(f->name, &len, why, sizeof(why));
	if (!text || tw_relay_list_parse(text, len, bit, &fresh, why, sizeof(why))) {
		if (!why[0])
			snprintf(why, sizeof(why), "out of memory");
		refused(r, f->name, why);
		free(text);
		tw_relay_list_free(&fresh);
		return;
	}
	free(text);
	tw_relay_list_sort(&fresh);
	tw_relay_list_free(&f->pending);
	f->pending = fresh;
	f->has_pending = true;
}

static void drop_pending(struct tw_relay_source *s)
{
	tw_relay_list_free(&s->pending);
	s->has_pending = false;
}

static int merged(const struct tw_relay_set *rs, struct tw_relay_list *out)
{
	char why[160];

	if (rs->builtin && tw_relay_list_parse(tw_relays_builtin_start,
					       (size_t)(tw_relays_builtin_end - tw_relays_builtin_start),
					       1, out, why, sizeof(why)))
		return -EINVAL;	/* the build's own list: tests keep it good */
	for (size_t i = 0; i < rs->n_src; i++)
		if (tw_relay_list_merge(out, rs->src[i].has_pending ? &rs->src[i].pending :
								      &rs->src[i].good))
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

/* An earlier daemon's entries that the new set does not hold: removed
 * after it is written, as any that left. */
static int prune_inherited(int fd, const struct tw_relay_list *new, struct tw_relay_refresh *r)
{
	struct tw_relay_key k, next;
	bool more = !bpf_map_get_next_key(fd, NULL, &k);

	while (more) {
		/* The next key is taken before k may go. */
		more = !bpf_map_get_next_key(fd, &k, &next);
		if (!tw_relay_list_find(new, &k)) {
			if (bpf_map_delete_elem(fd, &k) && errno != ENOENT)
				return -errno;
			r->removed++;
		}
		k = next;
	}
	return 0;
}

/* The merged set through the guards: written and the pending lists made
 * good, or every pending list dropped. */
static int commit(struct tw_relay_set *rs, int map_fd, struct tw_relay_refresh *r)
{
	struct tw_relay_list next = {};
	bool ok = false;
	char why[200];
	uint64_t t0;
	int err;

	err = merged(rs, &next);
	if (err)
		goto out;
	if (!next.n) {	/* nothing yet (feeds not fetched) is not a refusal */
		if (rs->current.n)
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
	ok = true;
	if (same_set(&rs->current, &next))
		goto out;
	t0 = tw_now_mono_ns();
	if (map_fd >= 0) {
		err = write_map(map_fd, &rs->current, &next, r);
		if (!err && rs->map_inherited)
			err = prune_inherited(map_fd, &next, r);
		if (err)
			goto out;
		rs->map_inherited = false;
	}
	rs->apply_usec = (tw_now_mono_ns() - t0) / 1000;
	tw_relay_list_free(&rs->current);
	rs->current = next;
	memset(&next, 0, sizeof(next));
	r->changed = true;
out:
	for (size_t i = 0; i < rs->n_src; i++) {
		struct tw_relay_source *s = &rs->src[i];

		if (!s->has_pending)
			continue;
		if (ok && !err) {
			tw_relay_list_free(&s->good);
			s->good = s->pending;
			memset(&s->pending, 0, sizeof(s->pending));
			r->accepted[i] = true;
		}
		if (!r->accepted[i])
			drop_pending(s);
		s->has_pending = false;
	}
	tw_relay_list_free(&next);
	return err;
}

int tw_relay_set_refresh(struct tw_relay_set *rs, int map_fd, bool force,
			 struct tw_relay_refresh *r)
{
	bool any = force || !rs->current.n;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < rs->n_src; i++)
		if (!rs->src[i].is_feed) {
			reload_file(&rs->src[i], 1u << (i + 1), force, r);
			any |= rs->src[i].has_pending;
		}
	return any ? commit(rs, map_fd, r) : 0;
}

int tw_relay_set_offer(struct tw_relay_set *rs, size_t i, struct tw_relay_list *list, int map_fd,
		       struct tw_relay_refresh *r)
{
	struct tw_relay_source *s = &rs->src[i];

	memset(r, 0, sizeof(*r));
	drop_pending(s);
	for (size_t k = 0; k < list->n; k++)
		list->e[k].sources = 1u << (i + 1);
	tw_relay_list_sort(list);
	s->pending = *list;
	memset(list, 0, sizeof(*list));
	s->has_pending = true;
	return commit(rs, map_fd, r);
}

void tw_relay_set_clear_sources(struct tw_relay_set *rs)
{
	for (size_t i = 0; i < rs->n_src; i++) {
		drop_pending(&rs->src[i]);
		tw_relay_list_free(&rs->src[i].good);
	}
	memset(rs->src, 0, sizeof(rs->src));
	rs->n_src = 0;
}

void tw_relay_set_free(struct tw_relay_set *rs)
{
	tw_relay_set_clear_sources(rs);
	tw_relay_list_free(&rs->current);
}
