/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sshd_child_egress and ssh_login_from_tor: the processes of each sshd
 * session, followed from the accept on; the sessions already running are
 * adopted at start. Optional: a host without these hooks runs the rest. */
#ifndef TW_SENSORS_SESSION_SENSOR_H
#define TW_SENSORS_SESSION_SENSOR_H

#include "sensors/sensor.h"

extern const struct tw_sensor_ops tw_session_sensor;
/* Its rows of the option table (session_options.c). */
extern const struct tw_option tw_session_options[];
extern const size_t tw_n_session_options;

#endif
