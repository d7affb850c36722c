// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every sensor, in the order their rings are read: the high-value ones
 * first (ssh_from_tor before all else); and, before main, their option rows
 * joined into the table of 'torwatch run' in the same order. */
#include "sensors/sensor.h"
#include "sensors/exit/exit_sensor.h"
#include "sensors/listen/listen_sensor.h"
#include "sensors/session/session_sensor.h"
#include "sensors/ssh/ssh_sensor.h"
#include "sensors/torclient/torclient_sensor.h"

const struct tw_sensor_ops *const tw_sensor_list[] = {
	&tw_ssh_sensor,
	&tw_listen_sensor,
	&tw_session_sensor,
	&tw_torclient_sensor,
	&tw_exit_sensor,
};
const size_t tw_n_sensors = sizeof(tw_sensor_list) / sizeof(tw_sensor_list[0]);

__attribute__((constructor)) static void join_sensor_options(void)
{
	for (size_t i = 0; i < tw_n_sensors; i++)
		tw_run_options_add(TW_OPTS_SENSORS, tw_sensor_list[i]->options,
				   *tw_sensor_list[i]->n_options);
}
