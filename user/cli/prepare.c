// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch prepare --user USER: as root, before a daemon that runs as USER
 * starts (the systemd unit's ExecStartPre=+): bpffs mounted, its top made
 * searchable so that USER (and the readers' group) can reach the pin root,
 * and the pin root with what is pinned there given to USER, so that state
 * pinned by an earlier daemon that ran as root is adopted too. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli.h"
#include "config/run_opts.h"

const char tw_prepare_usage[] =
	"usage: torwatch prepare --user USER [--config FILE] [--pin-root DIR]\n"
	"  as root, before 'torwatch run' starts as USER: mounts bpffs if needed, lets\n"
	"  others search /sys/fs/bpf (o+x: the pins keep their own modes), and gives\n"
	"  USER the pin root and everything pinned there; with --config, the pin root\n"
	"  is the one that file sets (unless --pin-root names one)\n";

struct prepare_opts {
	const char *user, *config;
	bool pin_root;		/* --pin-root was given */
};

static int on_prepare_opt(int opt, const char *arg, void *ctx)
{
	struct prepare_opts *po = ctx;

	if (opt == 'u')
		po->user = arg;
	else if (opt == 'c')
		po->config = arg;
	return 0;
}

/* The pin root and its entries to uid:gid (one level: bpffs pins are flat here). */
static int give(const char *root, uid_t uid, gid_t gid)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && de->d_type == DT_REG &&
		    fchownat(dirfd(d), de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW))
			ret = -errno;
	if (fchown(dirfd(d), uid, gid))
		ret = -errno;
	closedir(d);
	return ret;
}

/* systemd runs ExecStartPre=+ in a mount namespace of the unit's own: a
 * bpffs mounted there would vanish with this process, and the daemon would
 * then fail on a read-only /sys. Where bpffs is missing (a container; real
 * hosts have systemd mount it at boot), it is mounted in init's namespace,
 * which the daemon's namespace is made from. */
static int enter_init_mount_ns(void)
{
	struct stat self, init;
	int fd, ret = 0;

	if (tw_is_bpffs("/sys/fs/bpf"))
		return 0;
	if (stat("/proc/self/ns/mnt", &self) || stat("/proc/1/ns/mnt", &init) ||
	    self.st_ino == init.st_ino)
		return 0;
	fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNS))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

const struct option tw_prepare_options[] = {
	{ "user", required_argument, NULL, 'u' },
	{ "config", required_argument, NULL, 'c' },
	{},
};

int tw_cmd_prepare(int argc, char **argv)
{
	struct tw_cli cli = {};
	struct prepare_opts po = {};
	struct tw_run_opts ro;
	const char *user;
	struct passwd *pw;
	struct stat st;
	char err[1024];
	int ret = tw_cli_parse_common(argc, argv, &cli, tw_prepare_usage, tw_prepare_options, on_prepare_opt, &po);

	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 0, tw_prepare_usage))
		return 2;
	for (int i = 1; i < argc; i++)
		po.pin_root |= !strncmp(argv[i], "--pin-root", 10);
	user = po.user;
	tw_run_opts_defaults(&ro);
	if (po.config && tw_config_load(po.config, &ro, err, sizeof(err))) {
		tw_run_opts_free(&ro);
		return tw_cli_fail(&cli, "%s", err);
	}
	/* The config's pin root, unless the command line names one. */
	if (po.config && !po.pin_root)
		cli.pin_root = ro.pin_root;
	if (!user)
		return tw_cli_fail(&cli, "prepare needs --user USER, the user the daemon runs as");
	pw = getpwnam(user);
	if (!pw)
		return tw_cli_fail(&cli, "user %s does not exist; create it first (useradd --system %s)",
				   user, user);
	if (geteuid() != 0)
		return tw_cli_fail(&cli, "prepare changes owners under /sys/fs/bpf: run it as root");
	ret = enter_init_mount_ns();
	if (ret)
		return tw_cli_fail(&cli, "bpffs is not mounted and init's mount namespace cannot be entered to mount it: %s; mount it first (mount -t bpf bpf /sys/fs/bpf)",
				   strerror(-ret));
	/* Before anything is given away: not another tool's folder. */
	if (tw_pins_prepare_root(cli.pin_root, err, sizeof(err)) ||
	    tw_pins_root_ours(cli.pin_root, false, err, sizeof(err)))
		return tw_cli_fail(&cli, "%s", err);
	/* Search only: nothing under it becomes readable that was not. */
	if (!strncmp(cli.pin_root, "/sys/fs/bpf/", 12) && !stat("/sys/fs/bpf", &st) &&
	    chmod("/sys/fs/bpf", (st.st_mode & 07777) | 0011))
		return tw_cli_fail(&cli, "cannot make /sys/fs/bpf searchable: %s", strerror(errno));
	ret = give(cli.pin_root, pw->pw_uid, pw->pw_gid);
	if (ret)
		return tw_cli_fail(&cli, "cannot give %s to %s: %s", cli.pin_root, user, strerror(-ret));
	if (cli.verbose)
		printf("%s is ready for a daemon that runs as %s\n", cli.pin_root, user);
	tw_run_opts_free(&ro);
	return 0;
}
