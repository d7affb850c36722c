// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "cli/cli.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common/log.h"
#include "common/procinfo.h"
#include "kernel/pin_lock.h"
#include "common/timeutil.h"
#include "torwatch.h"
#include "tw_status.h"


static void usage(FILE *f, const struct tw_command *commands)
{
	fprintf(f, "usage: torwatch OBJECT [VERB] [--pin-root DIR] [--json] [-v]\n\nobjects:\n");
	for (const struct tw_command *c = commands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->summary);
	fprintf(f, "\n'torwatch OBJECT --help' describes one. Version %s.\n", TORWATCH_VERSION);
}

const struct tw_command *tw_cli_find(const struct tw_command *cmds, const char *name,
				     bool *ambiguous)
{
	const struct tw_command *found = NULL;
	size_t len = strlen(name);

	*ambiguous = false;
	if (!len)
		return NULL;
	for (const struct tw_command *c = cmds; c->name; c++) {
		if (!strcmp(c->name, name))
			return c;
		if (!strncmp(c->name, name, len)) {
			if (found)
				*ambiguous = true;
			found = c;
		}
	}
	return *ambiguous ? NULL : found;
}

int tw_cli_main(int argc, char **argv, const struct tw_command *commands)
{
	const struct tw_command *cmd;
	bool ambiguous;

	/* 'torwatch help OBJECT' is 'torwatch OBJECT --help'. */
	if (argc == 3 && !strcmp(argv[1], "help")) {
		char *help_argv[] = { argv[2], "--help", NULL };

		cmd = tw_cli_find(commands, argv[2], &ambiguous);
		if (cmd)
			return cmd->fn(2, help_argv);
	}
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout, commands);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("torwatch %s\n", TORWATCH_VERSION);
		return 0;
	}
	/* What 'make' installs as the bash completion: made from commands. */
	if (!strcmp(argv[1], "completion")) {
		tw_cli_completion(stdout, commands);
		return 0;
	}
	/* What 'make' puts into the man page: also made from commands. */
	if (!strcmp(argv[1], "manpage")) {
		if (!tw_cli_manpage(stdout, commands, argc > 2 ? argv[2] : NULL))
			return 0;
		fprintf(stderr, "usage: torwatch manpage synopsis|commands|options|reload\n");
		return 2;
	}
	cmd = tw_cli_find(commands, argv[1], &ambiguous);
	if (!cmd && ambiguous) {
		/* Name the objects it could be. */
		fprintf(stderr, "torwatch: ambiguous object '%s': it could be", argv[1]);
		for (const struct tw_command *c = commands; c->name; c++)
			if (!strncmp(c->name, argv[1], strlen(argv[1])))
				fprintf(stderr, " %s", c->name);
		fprintf(stderr, "\n");
		return 2;
	}
	if (!cmd) {
		fprintf(stderr, "torwatch: unknown object '%s'; see 'torwatch help'\n", argv[1]);
		return 2;
	}
	return cmd->fn(argc - 1, argv + 1);
}

struct json_object *tw_json_time(uint64_t unix_s)
{
	char buf[32];

	if (!unix_s)
		return NULL;
	tw_format_iso8601((int64_t)unix_s, buf, sizeof(buf));
	return json_object_new_string(buf);
}

enum { OPT_PIN_ROOT = 1000, OPT_JSON };

const struct option tw_cli_common_options[] = {
	{ "pin-root", required_argument, NULL, OPT_PIN_ROOT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

int tw_cli_parse_common(int argc, char **argv, struct tw_cli *cli, const char *usage_text,
			const void *extra, int (*on_extra)(int opt, const char *arg, void *ctx),
			void *ctx)
{
	struct option opts[16] = {};
	size_t n = 0;
	int c;

	for (const struct option *e = tw_cli_common_options; e->name; e++)
		opts[n++] = *e;
	for (const struct option *e = extra; e && e->name && n < 15; e++)
		opts[n++] = *e;
	memset(&opts[n], 0, sizeof(opts[n]));
	cli->pin_root = TW_DEFAULT_PIN_ROOT;
	cli->json = false;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
		/* "--ports --pin-root X": the value is missing, not X. */
		if (optarg && !strncmp(optarg, "--", 2) && optind >= 2) {
			fprintf(stderr, "torwatch: option %s needs a value\n", argv[optind - 2]);
			return -1;
		}
		switch (c) {
		case OPT_PIN_ROOT:
			if (!*optarg) {
				fprintf(stderr, "torwatch: --pin-root needs a directory (default %s)\n",
					TW_DEFAULT_PIN_ROOT);
				return -1;
			}
			cli->pin_root = optarg;
			break;
		case OPT_JSON:
			cli->json = true;
			break;
		case 'v':
			cli->verbose = true;
			break;
		case 'h':
			printf("%s", usage_text);
			return 1;
		case ':':
			fprintf(stderr, "torwatch: option %s needs a value\n", argv[optind - 1]);
			return -1;
		case '?':
			fprintf(stderr, "torwatch: unknown option '%s' for '%s'\n%s",
				argv[optind - 1], argv[0], usage_text);
			return -1;
		default:
			if (!on_extra || on_extra(c, optarg, ctx))
				return -1;
		}
	}
	tw_log_init(cli->verbose);
	return 0;
}

int tw_cli_expect_args(const struct tw_cli *cli, int argc, char **argv, int n,
		       const char *usage_text)
{
	if (argc - optind == n)
		return 0;
	if (argc - optind > n)
		tw_cli_fail(cli, "unexpected argument '%.64s' for '%s'", argv[optind + n], argv[0]);
	else
		tw_cli_fail(cli, "'%s' needs %d argument%s", argv[0], n, n == 1 ? "" : "s");
	if (!cli->json)
		fprintf(stderr, "%s", usage_text);
	return -1;
}

void tw_cli_print_json(struct json_object *o, bool pretty)
{
	printf("%s\n", json_object_to_json_string_ext(o, (pretty ? JSON_C_TO_STRING_PRETTY :
								   JSON_C_TO_STRING_PLAIN) |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int tw_cli_fail(const struct tw_cli *cli, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cli->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		tw_cli_print_json(o, false);
	} else {
		fprintf(stderr, "torwatch: %s\n", msg);
	}
	return 2;
}

const char *tw_block_mode_name(uint32_t mode)
{
	return mode == TW_BLOCK_ON ? "on" : mode == TW_BLOCK_DRY_RUN ? "dry-run" : "off";
}

bool tw_daemon_alive(const char *pin_root, uint32_t *pid)
{
	*pid = (uint32_t)tw_pin_lock_holder(pin_root);
	return *pid != 0;
}

/* Whether pid is a torwatch that holds the pin root open (the daemon's
 * lock): /proc/locks keeps the pid of whoever took a lock, even once it
 * exited and the lock lives on in another process. */
static bool holds_pin_root(pid_t pid, const char *pin_root)
{
	char dir[64], path[64 + 256], comm[32];
	struct stat root, st;
	struct dirent *de;
	bool found = false;
	DIR *d;

	tw_proc_name((int)pid, comm, sizeof(comm));
	if (strcmp(comm, "torwatch") || stat(pin_root, &root))
		return false;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		found = de->d_name[0] != '.' && !stat(path, &st) && st.st_dev == root.st_dev &&
			st.st_ino == root.st_ino;
	}
	closedir(d);
	return found;
}

int tw_daemon_signal(const char *pin_root, uint32_t pid, int sig)
{
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	int ret = 0;

	if (pidfd < 0)
		return -errno;
	/* Checked after the pidfd is held: the pid cannot be reused under us. */
	if (!holds_pin_root((pid_t)pid, pin_root))
		ret = -ESRCH;
	else if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0))
		ret = -errno;
	close(pidfd);
	return ret;
}

int tw_cli_open(const struct tw_cli *cli, struct tw_pinned *p)
{
	char err[512];
	uint32_t pid;

	if (tw_pinned_open(cli->pin_root, p, cli->write, err, sizeof(err)))
		return tw_cli_fail(cli, "%s", err);
	if (!tw_daemon_alive(cli->pin_root, &pid))
		fprintf(stderr, "torwatch: the daemon is not running; %s the state pinned under %s (XDP stays attached)\n",
			cli->write ? "changing" : "showing", cli->pin_root);
	return 0;
}

