// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run' that the SSH sensor reads: which ports are SSH. */
#include "sensors/ssh/ssh_sensor.h"

#include "config/option_setters.h"

const struct tw_option tw_ssh_options[] = {
	{ .name = "ssh-ports", .arg = "LIST", .def = "22", .flags = RELOAD,
	  .set = tw_opt_set_port_set, .field = FIELD(ssh_ports),
	  .help = "ports whose connections from exit nodes raise ssh_from_tor\n"
		  "(e.g. 22,2222)" },
};
const size_t tw_n_ssh_options = sizeof(tw_ssh_options) / sizeof(tw_ssh_options[0]);
