// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* events_lost: the alert carries the losses since the last report, kernel
 * and per sink, and a rise is seen in any counter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include "alerts/ecs.h"
#include "alerts/loss_report.h"

static void test_rise_and_alert(void **state)
{
	struct tw_emitter e = {};
	struct tw_losses then = { .traffic = 100, .ssh = 1, .listen = 0 }, now;
	struct json_object *a, *sinks;
	char err[256];

	assert_int_equal(tw_emitter_add(&e, "/dev/null", err, sizeof(err)), 0);
	assert_int_equal(tw_emitter_add(&e, "/dev/null", err, sizeof(err)), 0);
	then.n_sinks = 2;
	now = then;
	assert_false(tw_losses_rose(&then, &now));
	now.listen = 3;
	assert_true(tw_losses_rose(&then, &now));
	now = then;
	now.session = 1;	/* the session tracker's ring */
	assert_true(tw_losses_rose(&then, &now));
	now = then;
	now.tor_client = 2;	/* the Tor client sensor's ring */
	assert_true(tw_losses_rose(&then, &now));
	a = tw_loss_alert(&then, &now, &e, 0, 0);
	assert_int_equal(json_object_get_int64(tw_json_get(a, "torwatch.lost.kernel.tor_client")), 2);
	assert_non_null(strstr(tw_json_get_string(a, "message"), "2 kernel events"));
	json_object_put(a);
	now = then;
	e.sinks[1].counts.dropped = 7;
	e.sinks[1].counts.too_large = 1;
	tw_losses_of_sinks(&e, &now);
	now.traffic = 150, now.ssh = 1, now.listen = 0;
	assert_true(tw_losses_rose(&then, &now));
	a = tw_loss_alert(&then, &now, &e, 1710252000LL * 1000000000LL, 1710252060LL * 1000000000LL);
	assert_string_equal(tw_json_get_string(a, "rule.id"), "events_lost");
	assert_string_equal(tw_json_get_string(a, "log.level"), "medium");
	assert_int_equal(json_object_get_int64(tw_json_get(a, "torwatch.lost.kernel.traffic")), 50);
	assert_int_equal(json_object_get_int64(tw_json_get(a, "torwatch.lost.kernel.ssh")), 0);
	assert_int_equal(json_object_get_int64(tw_json_get(a, "torwatch.lost.alerts")), 8);
	sinks = tw_json_get(a, "torwatch.lost.sinks");
	assert_int_equal(json_object_array_length(sinks), 1);	/* only the sink that lost */
	assert_int_equal(json_object_get_int64(json_object_object_get(
				 json_object_array_get_idx(sinks, 0), "lost")), 8);
	assert_string_equal(tw_json_get_string(a, "torwatch.lost.since"), "2024-03-12T14:00:00.000000Z");
	assert_non_null(strstr(tw_json_get_string(a, "message"),
			       "50 kernel events and 8 alerts lost since 2024-03-12T14:00:00"));
	json_object_put(a);
	tw_emitter_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rise_and_alert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
