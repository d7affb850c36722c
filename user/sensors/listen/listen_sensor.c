// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/listen/listen_sensor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "listen_detect.skel.h"
#include "sensors/listen/listen_detect.h"
#include "sensors/listen/listen_inventory.h"
#include "sensors/listen/listen_policy.h"

struct listen_sensor {
	const struct tw_sensor_env *env;
	struct tw_listen_policy policy;	/* in force */
	struct tw_listen_detect detect;
	struct tw_listen_dedup *dedup;
};

static void listen_settings(const struct tw_run_opts *o, void *out)
{
	*(struct tw_listen_policy *)out = (struct tw_listen_policy){
		.tcp = o->allowed_tcp, .udp = o->allowed_udp, .ignore_loopback = o->ignore_loopback,
		.window_ns = (uint64_t)o->dedup_window_s * TW_NS_PER_SEC,
		.self_tgid = (uint32_t)getpid(),
		.n_containers = (unsigned)o->n_container_ports,
	};
	memcpy(((struct tw_listen_policy *)out)->containers, o->container_ports,
	       o->n_container_ports * sizeof(o->container_ports[0]));
}

static int listen_apply(void *self, const struct tw_sensor_env *env, const void *settings)
{
	struct listen_sensor *l = self;

	l->env = env;
	l->policy = *(const struct tw_listen_policy *)settings;
	return 0;
}

static int listen_load(void *self, const struct tw_sensor_env *env, const void *settings)
{
	struct listen_sensor *l = self;
	struct tw_listen_detect *ld = &l->detect;
	char err[1024];
	int ret;

	(void)settings;
	l->dedup = calloc(1, sizeof(*l->dedup));
	if (!l->dedup)
		return -ENOMEM;
	ret = tw_listen_detect_start(ld, env->shared, env->pin_root, err, sizeof(err));
	if (ret < 0) {
		tw_err("%s", err);
		return ret;
	}
	if (ret > 0)
		tw_warn("%s", err);
	env->meta->listen_hook = ld->tcp_hook;
	env->meta->udp_hook = ld->udp_hook;
	if (ld->why[0])
		tw_info("listen hook: %s (%s)", tw_listen_hook_name(ld->tcp_hook), ld->why);
	else
		tw_info("listen hook: %s", tw_listen_hook_name(ld->tcp_hook));
	return 0;
}

static void on_listener(struct listen_sensor *l, const struct tw_listen_event *ev, bool at_startup)
{
	tw_emit(l->env->alerts,
		tw_listen_handle(&l->policy, l->dedup, ev, at_startup, tw_now_mono_ns()));
}

static int on_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct tw_listen_event))
		on_listener(ctx, data, false);
	return 0;
}

static size_t listen_rings(void *self, struct tw_sensor_ring *out)
{
	struct listen_sensor *l = self;

	out[0] = (struct tw_sensor_ring){ bpf_map__fd(l->detect.skel->maps.listen_events), on_event };
	return 1;
}

static void found(const struct tw_listen_event *ev, void *ctx)
{
	on_listener(ctx, ev, true);
}

/* After the hooks: a listener opened meanwhile is seen twice and folded. */
static void listen_inventory(void *self)
{
	int ret = tw_inventory(found, self);

	if (ret < 0)
		tw_warn("start-up inventory of listening sockets failed: %s", strerror(-ret));
	else
		tw_info("start-up inventory: %d listening socket%s", ret, ret == 1 ? "" : "s");
}

/* Windows that closed: one more alert each, with the count. */
static void listen_tick(void *self, uint64_t now_ns)
{
	struct listen_sensor *l = self;
	struct json_object *a;

	while ((a = tw_listen_flush_next(&l->policy, l->dedup, now_ns)))
		tw_emit(l->env->alerts, a);
}

static struct bpf_object *listen_object(void *self)
{
	struct listen_sensor *l = self;

	return l->detect.skel ? l->detect.skel->obj : NULL;
}

static void listen_close(void *self)
{
	struct listen_sensor *l = self;

	tw_listen_detect_stop(&l->detect);
	free(l->dedup);
	l->dedup = NULL;
}

const struct tw_sensor_ops tw_listen_sensor = {
	.name = "listen",
	.options = tw_listen_options,
	.n_options = &tw_n_listen_options,
	.state_size = sizeof(struct listen_sensor),
	.settings_size = sizeof(struct tw_listen_policy),
	.settings = listen_settings,
	.apply = listen_apply,
	.load = listen_load,
	.rings = listen_rings,
	.inventory = listen_inventory,
	.tick = listen_tick,
	.object = listen_object,
	.close = listen_close,
};
