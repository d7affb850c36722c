/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Writing the Prometheus text exposition format. */
#ifndef TW_PROM_TEXT_H
#define TW_PROM_TEXT_H

#include <stdint.h>
#include <stdio.h>

/* "# HELP" and "# TYPE" of a family, once before its samples. */
void tw_prom_family(FILE *f, const char *name, const char *type, const char *help);
/* A label value escaped as the format wants (\\, \" and \n), cut at 256
 * bytes: the values are names from the configuration. */
void tw_prom_label_value(FILE *f, const char *v);
/* "name{label="value"} v", or "name v" when label is NULL. */
void tw_prom_sample(FILE *f, const char *name, const char *label, const char *value, uint64_t v);
/* A family of one unlabelled sample. */
void tw_prom_one(FILE *f, const char *name, const char *type, const char *help, uint64_t v);

#endif
