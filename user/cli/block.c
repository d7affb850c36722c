// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch block enable|disable|show: block mode lives in pinned maps, so it
 * holds with or without the daemon and survives its restart. */
#include <bpf/bpf.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "common/addr.h"
#include "cli/cli.h"
#include "common/port_list.h"
#include "common/procinfo.h"
#include "torwatch.h"

const char tw_block_usage[] =
	"usage: torwatch block enable [--ports LIST | --all] [--dry-run] [--force] [--pin-root DIR]\n"
	"       torwatch block disable [--pin-root DIR]\n"
	"       torwatch block show [--json] [--pin-root DIR]\n"
	"  enable drops exit-node traffic to LIST (default: the SSH ports), or all of it;\n"
	"  --dry-run counts and alerts what would be dropped and drops nothing\n";

struct block_opts {
	const char *ports;
	bool all, dry_run, force;
};

static int on_block_opt(int opt, const char *arg, void *ctx)
{
	struct block_opts *b = ctx;

	if (opt == 'p')
		b->ports = arg;
	else if (opt == 'a')
		b->all = true;
	else if (opt == 'd')
		b->dry_run = true;
	else if (opt == 'f')
		b->force = true;
	return 0;
}

/* Would this block cut off the SSH session that runs us? */
static int refuse_own_session(const struct tw_cli *cli)
{
	char conn[256], client[TW_ADDR_STRLEN] = "";
	struct tw_check_ctx v;
	struct tw_prefix a;
	const char *why;
	int ret;

	/* Under sudo, SSH_CONNECTION is gone from our environment but not from
	 * the login shell's, an ancestor of ours. */
	if (!tw_ancestor_env("SSH_CONNECTION", conn, sizeof(conn)) ||
	    sscanf(conn, "%63s", client) != 1 || tw_prefix_parse(client, &a, &why))
		return 0;
	ret = tw_exit_check(cli->pin_root, &a, &v);
	if (ret) {
		tw_cli_fail(cli, "refusing: cannot tell whether this SSH session's client %s is in the exit set (%s); use --force",
			    client, strerror(-ret));
		return -1;
	}
	if (!v.found || v.allowlisted)
		return 0;
	tw_cli_fail(cli,
		    "refusing: this SSH session comes from %s, which is in the exit set, and blocking would cut it off; allowlist it (run --allow %s) or use --force",
		    client, client);
	return -1;
}

static int block_enable(const struct tw_cli *cli, const struct tw_pinned *p,
			const struct block_opts *b)
{
	struct tw_block_config cfg = { .mode = b->dry_run ? TW_BLOCK_DRY_RUN : TW_BLOCK_ON,
				       .all = b->all };
	struct tw_port_set ports;
	char err[200], list[256];
	__u32 zero = 0;

	if (b->all && b->ports)
		return tw_cli_fail(cli, "--ports and --all exclude each other");
	/* One port set drops TCP and UDP alike: a protocol would be a promise
	 * the drop does not keep. */
	if (b->ports && strchr(b->ports, '/'))
		return tw_cli_fail(cli, "--ports: block mode drops TCP and UDP to its ports alike, so '%.64s' cannot name a protocol; give the ports without /tcp or /udp",
				   b->ports);
	if (b->ports && tw_port_list_parse(b->ports, &ports, err, sizeof(err)))
		return tw_cli_fail(cli, "--ports: %s", err);
	if (!b->ports && tw_port_set_load(p->ssh_ports, &ports))
		return tw_cli_fail(cli, "cannot read the SSH ports under %s", cli->pin_root);
	if (!b->force && !b->dry_run && refuse_own_session(cli))
		return 2;
	/* Ports first: the mode never applies to a stale port set. */
	if ((!b->all && tw_port_set_store(p->block_ports, &ports)) ||
	    bpf_map_update_elem(p->block, &zero, &cfg, BPF_ANY))
		return tw_cli_fail(cli, "cannot write the block setting under %s", cli->pin_root);
	tw_port_list_format(&ports, list, sizeof(list));
	if (!cli->json)
		printf("block mode %s: exit-node traffic to %s%s is %s\n", tw_block_mode_name(cfg.mode),
		       b->all ? "any port" : "port ", b->all ? "" : list,
		       b->dry_run ? "counted and alerted, not dropped" : "dropped");
	return 0;
}

static int block_show(const struct tw_cli *cli, const struct tw_pinned *p)
{
	struct tw_block_config cfg = {};
	struct tw_port_set ports, ssh;
	struct tw_counters cnt = {};
	char list[256], ssh_list[256];
	__u32 zero = 0;

	if (bpf_map_lookup_elem(p->block, &zero, &cfg) || tw_port_set_load(p->block_ports, &ports) ||
	    tw_port_set_load(p->ssh_ports, &ssh))
		return tw_cli_fail(cli, "cannot read the block setting under %s", cli->pin_root);
	tw_percpu_sum(p->counters, &zero, &cnt, sizeof(cnt));
	tw_port_list_format(&ports, list, sizeof(list));
	tw_port_list_format(&ssh, ssh_list, sizeof(ssh_list));
	if (cli->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "mode", json_object_new_string(tw_block_mode_name(cfg.mode)));
		json_object_object_add(o, "all_ports", json_object_new_boolean(cfg.all));
		json_object_object_add(o, "ports", json_object_new_string(cfg.all ? "all" : list));
		json_object_object_add(o, "ssh_ports", json_object_new_string(ssh_list));
		json_object_object_add(o, "dropped",
				       json_object_new_int64((int64_t)cnt.c[TW_CNT_DROPPED]));
		json_object_object_add(o, "would_drop",
				       json_object_new_int64((int64_t)cnt.c[TW_CNT_WOULD_DROP]));
		tw_cli_print_json(o, false);
	} else {
		printf("block mode: %s\n", tw_block_mode_name(cfg.mode));
		printf("ports:      %s\n", cfg.all ? "all" : list);
		printf("ssh ports:  %s\n", ssh_list);
		printf("dropped:    %llu (dry run, would have been: %llu)\n",
		       (unsigned long long)cnt.c[TW_CNT_DROPPED],
		       (unsigned long long)cnt.c[TW_CNT_WOULD_DROP]);
	}
	return 0;
}

const char *const tw_block_verbs[] = { "enable", "disable", "show", NULL };

const struct option tw_block_options[] = {
	{ "ports", required_argument, NULL, 'p' },
	{ "all", no_argument, NULL, 'a' },
	{ "dry-run", no_argument, NULL, 'd' },
	{ "force", no_argument, NULL, 'f' },
	{},
};

int tw_cmd_block(int argc, char **argv)
{
	struct block_opts b = {};
	struct tw_cli cli = {};
	struct tw_pinned p;
	const char *verb = NULL;
	__u32 zero = 0;
	int ret;

	ret = tw_cli_parse_common(argc, argv, &cli, tw_block_usage, tw_block_options, on_block_opt, &b);
	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 1, tw_block_usage))
		return 2;
	for (int i = 0; tw_block_verbs[i]; i++)
		if (!strncmp(tw_block_verbs[i], argv[optind], strlen(argv[optind])) && argv[optind][0])
			verb = tw_block_verbs[i];
	if (!verb)
		return tw_cli_fail(&cli, "unknown verb '%.32s' for 'block' (enable, disable, show)",
				   argv[optind]);
	if ((b.ports || b.all || b.dry_run || b.force) && strcmp(verb, "enable"))
		return tw_cli_fail(&cli, "--ports, --all, --dry-run and --force go with 'block enable'");
	cli.write = strcmp(verb, "show") != 0;
	ret = tw_cli_open(&cli, &p);
	if (ret)
		return ret;
	if (!strcmp(verb, "enable")) {
		ret = block_enable(&cli, &p, &b);
	} else if (!strcmp(verb, "disable")) {
		struct tw_block_config off = {};

		ret = bpf_map_update_elem(p.block, &zero, &off, BPF_ANY) ?
			      tw_cli_fail(&cli, "cannot write the block setting under %s", cli.pin_root) :
			      0;
		if (!ret && !cli.json)
			printf("block mode off: nothing is dropped\n");
	} else {
		ret = block_show(&cli, &p);
	}
	tw_pinned_close(&p);
	return ret;
}
