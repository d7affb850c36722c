/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The XDP program's own detections: tor_traffic, tor_blocked and the
 * ICMP/DNS tunnels, and the settings XDP reads (the SSH ports, the tunnel
 * thresholds, block mode at start). The program itself is loaded and
 * attached by the daemon, since every sensor shares its maps. */
#ifndef TW_SENSORS_EXIT_SENSOR_H
#define TW_SENSORS_EXIT_SENSOR_H

#include "sensors/sensor.h"

extern const struct tw_sensor_ops tw_exit_sensor;
/* Its rows of the option table (exit_options.c). */
extern const struct tw_option tw_exit_options[];
extern const size_t tw_n_exit_options;

#endif
