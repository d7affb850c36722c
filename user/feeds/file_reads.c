// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "feeds/file_reads.h"

#include <errno.h>
#include <string.h>
#include "feeds/feeds_internal.h"

void tw_feeds_defer_files(struct tw_feeds *f)
{
	f->defer_files = true;
}

void tw_file_reads_begin(struct tw_feeds *f, struct tw_file_reads *r, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->lender = &f->sources;
	r->read = f->files_wanted != f->files_taken;
	r->force = f->files_force;
	r->now = now;
	r->pol = f->pol;
	r->wanted = f->files_wanted;
	tw_sources_lend(&f->sources, &r->copy);
}

void tw_file_reads_run(struct tw_file_reads *r)
{
	for (unsigned i = 0; r->read && i < r->copy.n; i++)
		if (tw_source_is_file(&r->copy.s[i]))
			r->ret[i] = tw_source_read_file(&r->copy.s[i], r->now, &r->pol, r->force,
							r->err[i], sizeof(r->err[i]));
}

int tw_feeds_take_file_reads(struct tw_feeds *f, struct tw_file_reads *r)
{
	int changed = 0;

	if (!r->read)
		return 0;
	for (unsigned i = 0; i < r->copy.n && i < f->sources.n; i++) {
		struct tw_source *s = &f->sources.s[i], *read = &r->copy.s[i];

		if (!tw_source_is_file(s))
			continue;
		/* A read that failed or was refused left the entries as lent. */
		if (!read->borrowed)
			tw_source_take_list(s, read);
		changed |= tw_feeds_file_read(f, s, r->ret[i], r->err[i], r->now);
	}
	/* A later request (a file that changed meanwhile) is read again. */
	if (r->wanted == f->files_wanted) {
		f->files_taken = f->files_wanted;
		f->files_force = false;
	}
	return changed;
}

void tw_file_reads_give_back(struct tw_file_reads *r, struct tw_retired *out)
{
	if (r->lender)
		tw_sources_give_back(r->lender, out);
	r->lender = NULL;
}

void tw_file_reads_free(struct tw_file_reads *r)
{
	tw_file_reads_give_back(r, NULL);
	tw_sources_free(&r->copy);
}
