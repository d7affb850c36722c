// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/fold.h"

#include <stdlib.h>
#include <string.h>
#include "common/hash.h"

/* A slot: its header, then the key, then the record. */
struct slot {
	bool used;
	uint64_t first_ns;
	uint64_t repeats;	/* within the window, after the first */
	unsigned char data[];
};

struct tw_fold {
	size_t n, key_size, rec_size, slot_size;
	unsigned char *slots;
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

bool tw_fold_seen(struct tw_fold *f, const void *key, const void *rec, uint64_t add,
		  uint64_t now_ns, uint64_t window_ns)
{
	size_t i = (size_t)(tw_fnv1a(TW_FNV1A_INIT, key, f->key_size) % f->n);

	for (size_t k = 0; k < f->n; k++, i = (i + 1) % f->n) {
		struct slot *s = slot_at(f, i);

		if (s->used && !memcmp(s->data, key, f->key_size) && now_ns - s->first_ns < window_ns) {
			s->repeats += add;
			return true;
		}
		if (!s->used) {
			s->used = true;
			s->first_ns = now_ns;
			s->repeats = 0;
			memcpy(s->data, key, f->key_size);
			memcpy(s->data + f->key_size, rec, f->rec_size);
			return false;
		}
	}
	return false;	/* full: alert anyway */
}

bool tw_fold_next_closed(struct tw_fold *f, uint64_t now_ns, uint64_t window_ns, void *rec,
			 uint64_t *repeats)
{
	for (size_t i = 0; i < f->n; i++) {
		struct slot *s = slot_at(f, i);

		if (!s->used || now_ns - s->first_ns < window_ns)
			continue;
		s->used = false;
		memcpy(rec, s->data + f->key_size, f->rec_size);
		*repeats = s->repeats;
		return true;
	}
	return false;
}
