/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* unexpected_listen_port: a new listening socket on a port not allowed,
 * from the best listen hook the host has, with the listeners found at
 * start-up. */
#ifndef TW_SENSORS_LISTEN_SENSOR_H
#define TW_SENSORS_LISTEN_SENSOR_H

#include "sensors/sensor.h"

extern const struct tw_sensor_ops tw_listen_sensor;
/* Its rows of the option table (listen_options.c). */
extern const struct tw_option tw_listen_options[];
extern const size_t tw_n_listen_options;

#endif
