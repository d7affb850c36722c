// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The cgroup v2 mount, and a cgroup's path from its id. */
#include "common/cgroup2.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_DEPTH 16		/* deeper than any runtime's or kubelet's layout */
#define WALK_MAX_DIRS 65536	/* a bound on a tree that grows while it is read */

int tw_cgroup2_root(char *buf, size_t len)
{
	char line[1024], mnt[512], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* id parent major:minor root mountpoint opts... - fstype source superopts */
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		fclose(f);
		snprintf(buf, len, "%s", mnt);
		return 0;
	}
	fclose(f);
	return -1;
}

/* The mount, looked up once: it does not move under a running daemon. */
static const char *root(void)
{
	static char path[512];
	static int state;	/* 0 not asked, 1 found, -1 none */

	if (!state)
		state = tw_cgroup2_root(path, sizeof(path)) ? -1 : 1;
	return state > 0 ? path : NULL;
}

uint64_t tw_cgroup2_id(const char *path)
{
	char full[1024];
	struct stat st;

	if (!root() || snprintf(full, sizeof(full), "%s%s", root(), path) >= (int)sizeof(full) ||
	    stat(full, &st) || !S_ISDIR(st.st_mode))
		return 0;
	return (uint64_t)st.st_ino;
}

/* Depth first below fd (whose path is out[0..used)): readdir's d_ino is
 * the cgroup id, so no stat is needed. */
static bool walk(int fd, uint64_t id, char *out, size_t len, size_t used, int depth,
		 unsigned *dirs)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	bool found = false;

	if (!d) {
		close(fd);
		return false;
	}
	while (!found && (e = readdir(d)) && ++*dirs < WALK_MAX_DIRS) {
		int n, sub;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		n = snprintf(out + used, len - used, "/%s", e->d_name);
		if (n < 0 || (size_t)n >= len - used)
			continue;
		if ((uint64_t)e->d_ino == id)
			return closedir(d), true;
		if (depth + 1 >= WALK_DEPTH)
			continue;
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0)
			found = walk(sub, id, out, len, used + (size_t)n, depth + 1, dirs);
	}
	closedir(d);
	if (!found)
		out[used] = '\0';
	return found;
}

bool tw_cgroup2_path(uint64_t id, char *out, size_t len)
{
	unsigned dirs = 0;
	int fd;

	if (!len || !root())
		return false;
	out[0] = '\0';
	if (tw_cgroup2_id("/") == id)
		return snprintf(out, len, "/"), true;
	fd = open(root(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 && walk(fd, id, out, len, 0, 0, &dirs);
}
