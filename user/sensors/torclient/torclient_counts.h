/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counts of Tor used from this host, from the sensor's own alerts (their
 * event.count is every connection, repeats and summaries included): per
 * process into the pinned tor_clients map, per rule and allowed or not into
 * tor_client_totals; 'stats', 'top' and the metrics read them. */
#ifndef TW_SENSORS_TORCLIENT_COUNTS_H
#define TW_SENSORS_TORCLIENT_COUNTS_H

#include <json-c/json.h>

/* Counts alert (a tor_client_connection or tor_proxy_use) before it is emitted. */
void tw_torclient_count(int clients_fd, int totals_fd, struct json_object *alert);

#endif
