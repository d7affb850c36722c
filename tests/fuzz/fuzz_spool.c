// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the alert spool opened over any bytes (a damaged state dir is
 * hostile input too): it never crashes; what it keeps reads back whole, in
 * order; and it still takes, and gives back, a new record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "alerts/spool.h"

static char path[96], done[104];

static void write_file(const char *p, const uint8_t *data, size_t size)
{
	FILE *f = fopen(p, "w");

	if (!f)
		abort();
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_spool *sp = NULL;
	size_t split = size > 16 ? 16 : size, len, count, pending;
	uint64_t last = 0, head;
	char err[300], *body = NULL;

	if (!path[0]) {
		char dir[] = "/tmp/tw-fuzz-spool-XXXXXX";

		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/s.spool", dir);
		snprintf(done, sizeof(done), "%s.done", path);
	}
	/* The first 16 bytes are the delivered offset's file, the rest the spool. */
	write_file(done, data, split);
	write_file(path, data + split, size - split);
	if (tw_spool_open(&sp, path, 1 << 20, err, sizeof(err)))
		return 0;
	pending = tw_spool_pending(sp);
	head = tw_spool_head_seq(sp);
	if (tw_spool_peek(sp, pending, UINT64_MAX, &body, &len, &count) || count != pending)
		__builtin_trap();
	free(body);
	if (pending && head == UINT64_MAX)
		__builtin_trap();
	last = tw_spool_last_seq(sp);
	if (tw_spool_consume(sp, pending ? 1 : 0) || tw_spool_pending(sp) != (pending ? pending - 1 : 0))
		__builtin_trap();
	if (!tw_spool_append(sp, last + 1, "new\n", 4)) {
		tw_spool_close(sp);
		if (tw_spool_open(&sp, path, 1 << 20, err, sizeof(err)) ||
		    tw_spool_last_seq(sp) != last + 1)
			__builtin_trap();
	}
	tw_spool_close(sp);
	return 0;
}
