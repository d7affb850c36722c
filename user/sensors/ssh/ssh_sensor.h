/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ssh_from_tor: an SSH connection established from an exit node, seen by
 * the sock:inet_sock_set_state tracepoint against the shared exit maps. */
#ifndef TW_SENSORS_SSH_SENSOR_H
#define TW_SENSORS_SSH_SENSOR_H

#include "sensors/sensor.h"

extern const struct tw_sensor_ops tw_ssh_sensor;

#endif
