// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/ssh/ssh_sensor.h"

#include <errno.h>
#include "alerts/exit_events.h"
#include "common/log.h"
#include "sensors/ssh/ssh_detect.h"
#include "ssh_detect.skel.h"

struct ssh_sensor {
	const struct tw_sensor_env *env;
	struct ssh_detect_bpf *skel;
};

static int ssh_load(void *self, const struct tw_sensor_env *env, const void *settings)
{
	struct ssh_sensor *s = self;
	char err[512];

	(void)settings;
	s->env = env;
	s->skel = tw_ssh_detect_start(env->shared, env->pin_root, err, sizeof(err));
	if (!s->skel) {
		tw_err("%s", err);
		return -EINVAL;
	}
	tw_info("SSH detector: tracepoint sock:inet_sock_set_state (pinned: it keeps watching between daemons)");
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct ssh_sensor *s = ctx;

	if (size >= sizeof(struct tw_event))
		tw_emit(s->env->alerts, tw_event_to_alert(data, s->env->sources));
	return 0;
}

static size_t ssh_rings(void *self, struct tw_sensor_ring *out)
{
	struct ssh_sensor *s = self;

	out[0] = (struct tw_sensor_ring){ bpf_map__fd(s->skel->maps.high_events), on_event };
	return 1;
}

static struct bpf_object *ssh_object(void *self)
{
	struct ssh_sensor *s = self;

	return s->skel ? s->skel->obj : NULL;
}

static void ssh_close(void *self)
{
	struct ssh_sensor *s = self;

	tw_ssh_detect_stop(s->skel);
	s->skel = NULL;
}

const struct tw_sensor_ops tw_ssh_sensor = {
	.name = "ssh",
	.options = tw_ssh_options,
	.n_options = &tw_n_ssh_options,
	.state_size = sizeof(struct ssh_sensor),
	.load = ssh_load,
	.rings = ssh_rings,
	.object = ssh_object,
	.close = ssh_close,
};
