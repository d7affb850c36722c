/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* URLs as torwatch shows and sorts them. */
#ifndef TW_URL_H
#define TW_URL_H

#include <stdbool.h>
#include <stddef.h>

/* Is this feed an http(s) URL (else a file path)? */
bool tw_is_feed_url(const char *feed);
/* A URL as logs, alerts, metrics and status show it: scheme and host (with
 * the port), never user:password, path or query, which may hold secrets;
 * "/..." says there was more. Anything that is not a URL as it is. */
void tw_url_redact(const char *url, char *out, size_t len);

#endif
