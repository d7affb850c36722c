/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ssh_from_tor: an SSH connection established from an exit node, seen by
 * the sock:inet_sock_set_state tracepoint against the shared exit maps. */
#ifndef TW_SENSORS_SSH_SENSOR_H
#define TW_SENSORS_SSH_SENSOR_H

#include "sensors/sensor.h"

extern const struct tw_sensor_ops tw_ssh_sensor;
/* Its rows of the option table (ssh_options.c). */
extern const struct tw_option tw_ssh_options[];
extern const size_t tw_n_ssh_options;

#endif
