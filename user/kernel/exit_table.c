// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/exit_table.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

uint32_t tw_exit_table_entries(uint32_t max_exact)
{
	uint32_t slots = 2;

	while (slots < 2 * (uint64_t)max_exact)
		slots <<= 1;
	return tw_table_map_entries(slots);
}

/* The entry slots of a map of max_entries, or 0 when it is no table's size. */
static uint32_t entry_slots(uint32_t max_entries)
{
	for (uint32_t n = 2; n && tw_table_map_entries(n) <= max_entries; n <<= 1)
		if (tw_table_map_entries(n) == max_entries)
			return n;
	return 0;
}

/* The live bitmap: bit i - 1 for entry slot i. */
static uint64_t *live_words(const struct tw_exit_table *t)
{
	return (uint64_t *)&t->slot[t->mask + 2];
}

static void mark_live(struct tw_exit_table *t, uint32_t i, bool live)
{
	uint64_t *w = &live_words(t)[(i - 1) / 64], bit = 1ULL << ((i - 1) % 64);

	if (live)
		__atomic_fetch_or(w, bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(w, ~bit, __ATOMIC_RELEASE);
}

static struct tw_table_head *head(const struct tw_exit_table *t)
{
	return (struct tw_table_head *)&t->slot[0];
}

static uint32_t load_state(const struct tw_exit_slot *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

static void store_state(struct tw_exit_slot *s, uint32_t state)
{
	__atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
}

/* Clears the tombstone at i and those before it, if an empty slot follows:
 * no probe passes an empty slot, so none needs them. */
static void sweep_at(struct tw_exit_table *t, uint32_t i)
{
	uint32_t next = 1 + (i & t->mask);	/* i is 1..mask+1: the slot after it */

	if (load_state(&t->slot[next]) != TW_SLOT_EMPTY)
		return;
	while (load_state(&t->slot[i]) == TW_SLOT_GONE) {
		store_state(&t->slot[i], TW_SLOT_EMPTY);
		i = 1 + ((i - 2) & t->mask);	/* the slot before */
	}
}

/* Slot i: in the mapping, else a copy read from the kernel (NULL: failed). */
static const struct tw_exit_slot *slot_at(const struct tw_exit_table *t, uint32_t i,
					  struct tw_exit_slot *copy)
{
	if (t->slot)
		return &t->slot[i];
	return bpf_map_lookup_elem(t->fd, &i, copy) ? NULL : copy;
}

/* A fresh table: a seed nobody outside knows, then the header's magic. */
static int write_head(struct tw_exit_table *t, uint32_t mask)
{
	struct tw_table_head *h = head(t);
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		return -errno;
	h->seed = seed;
	h->mask = mask;
	__atomic_store_n(&h->magic, TW_TABLE_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int tw_exit_table_map(int fd, bool v6, bool write, struct tw_exit_table *t)
{
	struct bpf_map_info info = {};
	const struct tw_table_head *h;
	struct tw_exit_slot first;
	__u32 len = sizeof(info);
	bool fresh = false;
	uint32_t slots;
	void *m;
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	slots = entry_slots(info.max_entries);
	if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(struct tw_exit_slot) ||
	    !slots)
		return -EINVAL;
	t->fd = fd;
	t->v6 = v6;
	t->write = write;
	t->apply = 1;
	t->bytes = (size_t)info.max_entries * sizeof(struct tw_exit_slot);
	m = mmap(NULL, t->bytes, write ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED && write) {
		err = -errno;
		t->fd = -1;
		return err;
	}
	/* The kernel maps no bpf map through a read-only fd: read it by fd. */
	t->slot = m == MAP_FAILED ? NULL : m;
	h = (const struct tw_table_head *)slot_at(t, 0, &first);
	if (!h) {
		err = -errno;
	} else if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != TW_TABLE_MAGIC && write) {
		err = write_head(t, slots - 1);
		fresh = true;
	} else if (h->magic == TW_TABLE_MAGIC && h->mask != slots - 1) {
		err = -EINVAL;	/* a header that does not fit its map */
	}
	if (!err && h->magic == TW_TABLE_MAGIC) {
		t->mask = h->mask;
		t->seed = h->seed;
	}
	/* Tombstones an earlier run left before an empty slot: cleared, with
	 * the mask known (the sweep walks by it). */
	for (uint32_t i = 1; !err && write && !fresh && i <= slots; i++)
		if (t->slot[i].state == TW_SLOT_GONE)
			sweep_at(t, i);
	if (err)
		tw_exit_table_unmap(t);
	return err;
}

void tw_exit_table_unmap(struct tw_exit_table *t)
{
	if (t->slot)
		munmap(t->slot, t->bytes);
	free(t->gone);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

/* The hash and tag of addr, as exit_lookup.bpf.h computes them. */
static uint64_t hash_of(const struct tw_exit_table *t, const void *addr, uint32_t *tag)
{
	__u64 halves[2];
	uint64_t h;

	if (!t->v6) {
		memcpy(tag, addr, 4);
		return tw_table_hash_v4(*tag, t->seed);
	}
	memcpy(halves, addr, 16);
	h = tw_table_hash_v6(halves, t->seed);
	*tag = tw_table_tag_v6(h);
	return h;
}

static bool holds(const struct tw_exit_table *t, const struct tw_exit_slot *s, uint32_t tag,
		  const void *addr)
{
	return s->tag == tag && !memcmp(s->key.addr, addr, t->v6 ? 16 : 4);
}

/* The index of addr's live slot, or 0. */
static uint32_t probe(const struct tw_exit_table *t, const void *addr)
{
	struct tw_exit_slot copy;
	uint32_t tag;
	uint64_t h;

	if (t->fd < 0 || !t->mask)
		return 0;
	h = hash_of(t, addr, &tag);
	for (uint32_t i = 0; i < TW_TABLE_PROBES; i++) {
		uint32_t at = tw_table_slot(h, i, t->mask);
		const struct tw_exit_slot *s = slot_at(t, at, &copy);
		uint32_t state = s ? load_state(s) : TW_SLOT_EMPTY;

		if (state == TW_SLOT_EMPTY)
			return 0;
		if (state == TW_SLOT_LIVE && holds(t, s, tag, addr))
			return at;
	}
	return 0;
}

struct tw_exit_slot *tw_exit_table_find(const struct tw_exit_table *t, const void *addr)
{
	uint32_t at = t->slot ? probe(t, addr) : 0;

	return at ? &t->slot[at] : NULL;
}

bool tw_exit_table_read(const struct tw_exit_table *t, const void *addr, struct tw_src_stats *st)
{
	struct tw_exit_slot copy;
	uint32_t at = probe(t, addr);
	const struct tw_exit_slot *s = at ? slot_at(t, at, &copy) : NULL;

	if (s)
		*st = s->st;
	return s != NULL;
}

int tw_exit_table_insert(struct tw_exit_table *t, const void *addr, const struct tw_src_stats *st)
{
	struct tw_exit_slot *free_slot = NULL;
	uint32_t tag;
	uint64_t h;

	if (!t->write || !t->mask)
		return -EPERM;
	h = hash_of(t, addr, &tag);
	for (uint32_t i = 0; i < TW_TABLE_PROBES; i++) {
		struct tw_exit_slot *s = &t->slot[tw_table_slot(h, i, t->mask)];
		uint32_t state = load_state(s);

		if (state == TW_SLOT_EMPTY) {
			if (!free_slot)
				free_slot = s;
			break;
		}
		if (state == TW_SLOT_LIVE && holds(t, s, tag, addr))
			return -EEXIST;
		/* A tombstone of this apply may still be counted into. */
		if (state == TW_SLOT_GONE && s->gone_in != t->apply && !free_slot)
			free_slot = s;
	}
	if (!free_slot)
		return -ENOSPC;
	/* Not live yet, so no lookup reads these while they are written. */
	free_slot->st = *st;
	memset(&free_slot->key, 0, sizeof(free_slot->key));
	memcpy(free_slot->key.addr, addr, t->v6 ? 16 : 4);
	free_slot->tag = tag;
	free_slot->gone_in = 0;
	store_state(free_slot, TW_SLOT_LIVE);
	mark_live(t, (uint32_t)(free_slot - t->slot), true);
	return 0;
}

void tw_exit_table_remove(struct tw_exit_table *t, struct tw_exit_slot *s)
{
	if (!t->write || load_state(s) != TW_SLOT_LIVE)
		return;
	mark_live(t, (uint32_t)(s - t->slot), false);
	s->gone_in = t->apply;
	store_state(s, TW_SLOT_GONE);
	if (t->n_gone == t->cap_gone) {
		size_t cap = t->cap_gone ? 2 * t->cap_gone : 256;
		uint32_t *g = realloc(t->gone, cap * sizeof(*g));

		if (!g)
			return;	/* it stays a tombstone until the next start's sweep */
		t->gone = g;
		t->cap_gone = cap;
	}
	t->gone[t->n_gone++] = (uint32_t)(s - t->slot);
}

void tw_exit_table_begin(struct tw_exit_table *t)
{
	for (size_t i = 0; i < t->n_gone; i++)
		if (load_state(&t->slot[t->gone[i]]) == TW_SLOT_GONE)
			sweep_at(t, t->gone[i]);
	t->n_gone = 0;
	t->apply++;
}

void tw_exit_table_set_sources(struct tw_exit_slot *s, uint32_t sources)
{
	__atomic_store_n(&s->st.sources, sources, __ATOMIC_RELAXED);
}

/* Slots per batch read of a table that is not mapped: 128 KiB a syscall. */
#define BATCH 1024

static int each_unmapped(const struct tw_exit_table *t,
			 int (*fn)(const uint8_t *key, size_t key_len,
				   const struct tw_src_stats *st, void *ctx),
			 void *ctx)
{
	static _Thread_local __u32 keys[BATCH];
	static _Thread_local struct tw_exit_slot vals[BATCH];
	/* A batch goes on after the key in_batch names (the last one read):
	 * from the header's, slot 0, so that slot 1 is the first read. */
	__u32 in = 0, out = 0;
	bool more = true;

	while (more) {
		__u32 n = BATCH;
		int err = bpf_map_lookup_batch(t->fd, &in, &out, keys, vals, &n, NULL);

		if (err && errno != ENOENT)
			return -errno;
		more = !err;	/* ENOENT: the last batch */
		in = out;
		for (__u32 i = 0; i < n; i++) {
			if (!keys[i] || keys[i] > t->mask + 1 || vals[i].state != TW_SLOT_LIVE)
				continue;
			err = fn(vals[i].key.addr, t->v6 ? 16 : 4, &vals[i].st, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

/* The entry slot of the lowest bit set in bits, bitmap word w (mark_live's
 * bit i - 1 for slot i). */
static uint32_t lowest_live(uint32_t w, uint64_t bits)
{
	return 1 + w * 64 + (uint32_t)__builtin_ctzll(bits);
}

/* Starts fetching the live slots of bitmap word w (a hint: nothing waits). */
static void prefetch_live(const struct tw_exit_table *t, uint32_t w)
{
	for (uint64_t bits = __atomic_load_n(&live_words(t)[w], __ATOMIC_RELAXED); bits;
	     bits &= bits - 1) {
		const char *s = (const char *)&t->slot[lowest_live(w, bits)];

		__builtin_prefetch(s);
		__builtin_prefetch(s + 64);	/* a slot is two cache lines */
	}
}

int tw_exit_table_each(const struct tw_exit_table *t,
		       int (*fn)(const uint8_t *key, size_t key_len, const struct tw_src_stats *st,
				 void *ctx),
		       void *ctx)
{
	if (t->fd >= 0 && t->mask && !t->slot)
		return each_unmapped(t, fn, ctx);
	/* The bitmap says which slots are live: a walk reads those only. */
	for (uint32_t w = 0, words = (t->mask + 64) / 64; t->slot && t->mask && w < words; w++) {
		uint64_t bits = __atomic_load_n(&live_words(t)[w], __ATOMIC_ACQUIRE);

		/* The next word's slots are fetched while fn works on these:
		 * a slow fn (a country lookup) otherwise waits out one cache
		 * miss per slot, one after the other. */
		if (w + 1 < words)
			prefetch_live(t, w + 1);
		while (bits) {
			uint32_t i = lowest_live(w, bits);
			const struct tw_exit_slot *s = &t->slot[i];
			struct tw_src_stats st;
			uint8_t key[16];
			int err;

			bits &= bits - 1;
			/* A bit past the entry slots (a table under 64 slots) is
			 * no slot: never read past them. */
			if (i > t->mask + 1 || load_state(s) != TW_SLOT_LIVE)
				continue;
			memcpy(key, s->key.addr, sizeof(key));
			st = s->st;
			err = fn(key, t->v6 ? 16 : 4, &st, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

static int count_one(const uint8_t *key, size_t key_len, const struct tw_src_stats *st, void *n)
{
	(*(size_t *)n)++;
	return 0;
}

size_t tw_exit_table_count(const struct tw_exit_table *t)
{
	size_t n = 0;

	tw_exit_table_each(t, count_one, &n);
	return n;
}
