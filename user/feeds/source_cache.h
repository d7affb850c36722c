/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Each fetched source's last good data in the state dir, so that a start
 * without network begins with it (before the shipped snapshot). Written to
 * a temporary file, fsynced, renamed: a crash leaves the old or the new
 * file, never half of one. The file is read back as hostile input. */
#ifndef TW_SOURCE_CACHE_H
#define TW_SOURCE_CACHE_H

#include <stdio.h>
#include "feeds/source_state.h"

/* A file name for a source (its name if that is safe, else a hash of it). */
void tw_source_cache_name(const char *source_name, char *buf, size_t len);
int tw_source_cache_write(const struct tw_source *s, const char *dir);
/* Loads dir/s->cache_name into s if it belongs to s's URL. Returns 0,
 * -ENOENT when there is none, or -EINVAL with one sentence in err. */
int tw_source_cache_read(struct tw_source *s, const char *dir, char *err, size_t errlen);
/* The parser under tw_source_cache_read (the fuzz target's entry). */
int tw_source_cache_parse(FILE *f, struct tw_source *s, char *err, size_t errlen);

#endif
