/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tor used from this host: every connect() (cgroup connect4/6) to a listed
 * relay address and port is tor_client_connection, and one to a local Tor
 * SOCKS or control port is tor_proxy_use, naming the process. The relay
 * set is Tor's own directories plus the relay files, kept like the exit
 * set: last good list per file, guarded, written gap-free. */
#ifndef TW_SENSORS_TORCLIENT_SENSOR_H
#define TW_SENSORS_TORCLIENT_SENSOR_H

#include "sensors/sensor.h"

extern const struct tw_sensor_ops tw_torclient_sensor;
/* Its rows of the option table (torclient_options.c). */
extern const struct tw_option tw_torclient_options[];
extern const size_t tw_n_torclient_options;

#endif
