// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/fold.h"

#include <stdlib.h>
#include <string.h>
#include "common/hash.h"

enum { EMPTY, USED, GONE };	/* GONE: a closed window; probes go past it */

/* A slot: its header, then the key, then the record. */
struct slot {
	unsigned char state;
	uint64_t first_ns;
	uint64_t repeats;	/* within the window, after the first */
	unsigned char data[];
};

struct tw_fold {
	size_t n, key_size, rec_size, slot_size;
	unsigned char *slots;
	struct tw_open_windows windows;
	size_t gone;		/* closed slots (tombstones) */
	size_t cursor;		/* where the last scan stopped */
};

static struct slot *slot_at(const struct tw_fold *f, size_t i)
{
	return (struct slot *)(f->slots + i * f->slot_size);
}

struct tw_fold *tw_fold_new(size_t slots, size_t key_size, size_t rec_size)
{
	struct tw_fold *f = calloc(1, sizeof(*f));
	size_t align = _Alignof(struct slot);

	if (!f)
		return NULL;
	f->n = slots;
	f->key_size = key_size;
	f->rec_size = rec_size;
	f->slot_size = (sizeof(struct slot) + key_size + rec_size + align - 1) / align * align;
	f->slots = calloc(slots, f->slot_size);
	if (!f->slots) {
		free(f);
		return NULL;
	}
	return f;
}

void tw_fold_free(struct tw_fold *f)
{
	if (f)
		free(f->slots);
	free(f);
}

/* Closed windows lengthen every probe: once they are a quarter of the
 * table, the open ones are placed again in a clean one. */
static void compact(struct tw_fold *f)
{
	unsigned char *old = malloc(f->n * f->slot_size);

	if (!old)
		return;	/* probes stay longer, answers stay right */
	memcpy(old, f->slots, f->n * f->slot_size);
	memset(f->slots, 0, f->n * f->slot_size);
	f->gone = 0;
	for (size_t k = 0; k < f->n; k++) {
		const struct slot *o = (const struct slot *)(old + k * f->slot_size);
		size_t i;

		if (o->state != USED)
			continue;
		i = (size_t)(tw_fnv1a(TW_FNV1A_INIT, o->data, f->key_size) % f->n);
		while (slot_at(f, i)->state == USED)
			i = (i + 1) % f->n;
		memcpy(slot_at(f, i), o, f->slot_size);
	}
	free(old);
}

bool tw_fold_seen(struct tw_fold *f, const void *key, const void *rec, uint64_t add,
		  uint64_t now_ns, uint64_t window_ns)
{
	size_t i = (size_t)(tw_fnv1a(TW_FNV1A_INIT, key, f->key_size) % f->n);
	struct slot *room = NULL;

	for (size_t k = 0; k < f->n; k++, i = (i + 1) % f->n) {
		struct slot *s = slot_at(f, i);

		if (s->state == USED && !memcmp(s->data, key, f->key_size) &&
		    now_ns - s->first_ns < window_ns) {
			s->repeats += add;
			return true;
		}
		if (s->state != USED && !room)
			room = s;
		if (s->state == EMPTY)
			break;	/* the key's chain ends here */
	}
	if (!room)
		return false;	/* full: alert anyway */
	f->gone -= room->state == GONE;
	room->state = USED;
	room->first_ns = now_ns;
	room->repeats = 0;
	memcpy(room->data, key, f->key_size);
	memcpy(room->data + f->key_size, rec, f->rec_size);
	tw_window_opened(&f->windows, now_ns);
	return false;
}

bool tw_fold_next_closed(struct tw_fold *f, uint64_t now_ns, uint64_t window_ns, void *rec,
			 uint64_t *repeats)
{
	uint64_t oldest = UINT64_MAX;

	if (!tw_window_may_close(&f->windows, now_ns, window_ns))
		return false;
	for (size_t k = 0; k < f->n; k++) {
		size_t i = (f->cursor + k) % f->n;
		struct slot *s = slot_at(f, i);

		if (s->state != USED)
			continue;
		if (now_ns - s->first_ns < window_ns) {
			if (s->first_ns < oldest)
				oldest = s->first_ns;
			continue;
		}
		s->state = GONE;
		f->windows.open--;
		f->cursor = i + 1;
		memcpy(rec, s->data + f->key_size, f->rec_size);
		*repeats = s->repeats;
		if (++f->gone > f->n / 4)
			compact(f);
		return true;
	}
	/* A whole turn without a closed window: the bound is exact now. */
	f->windows.oldest_ns = oldest;
	return false;
}
