// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Prometheus text format (0.0.4): families, samples, label values. */
#include "metrics/prom_text.h"

void tw_prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void tw_prom_label_value(FILE *f, const char *v)
{
	for (size_t i = 0; v[i] && i < 256; i++) {
		if (v[i] == '\\' || v[i] == '"')
			fprintf(f, "\\%c", v[i]);
		else if (v[i] == '\n')
			fputs("\\n", f);
		else
			fputc(v[i], f);
	}
}

void tw_prom_sample(FILE *f, const char *name, const char *label, const char *value, uint64_t v)
{
	fputs(name, f);
	if (label) {
		fprintf(f, "{%s=\"", label);
		tw_prom_label_value(f, value);
		fputs("\"}", f);
	}
	fprintf(f, " %llu\n", (unsigned long long)v);
}

void tw_prom_one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	tw_prom_family(f, name, type, help);
	tw_prom_sample(f, name, NULL, NULL, v);
}
