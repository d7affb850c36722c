// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/procinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Up to len - 1 bytes of path, NUL-terminated (/proc hands out a page per
 * read); *more is set when the file had more. */
static ssize_t read_file_more(const char *path, char *buf, size_t len, bool *more)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 0;
	char extra;

	if (fd < 0)
		return -1;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	if (more)
		*more = n > 0 && got == len - 1 && read(fd, &extra, 1) == 1;
	close(fd);
	if (n < 0)
		return -1;
	buf[got] = '\0';
	return (ssize_t)got;
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	return read_file_more(path, buf, len, NULL);
}

void tw_proc_name(int pid, char *out, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	n = read_file(path, out, len);
	if (n <= 0) {
		out[0] = '\0';
		return;
	}
	out[strcspn(out, "\n")] = '\0';
}

/* ppid is the 4th field of /proc/PID/stat, after "(comm)", which may itself
 * hold spaces and parentheses: parse from the last ')'. */
int tw_proc_ppid(int pid)
{
	char path[64], buf[1024], *close_paren;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	close_paren = strrchr(buf, ')');
	if (!close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

bool tw_procinfo_read(int pid, uint64_t cgroup_id, struct tw_procinfo *pi)
{
	char path[64], buf[sizeof(pi->cmdline)];
	ssize_t n;

	memset(pi, 0, sizeof(*pi));
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, pi->exe, sizeof(pi->exe) - 1);
	pi->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = read_file_more(path, buf, sizeof(buf), &pi->cmdline_cut);
	if (n > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		while (n > 0 && buf[n - 1] == ' ')
			buf[--n] = '\0';
		memcpy(pi->cmdline, buf, (size_t)n + 1);
	}
	pi->ppid = tw_proc_ppid(pid);
	if (pi->ppid)
		tw_proc_name(pi->ppid, pi->parent_name, sizeof(pi->parent_name));
	pi->in_container = tw_container_of(pid, cgroup_id, &pi->container);
	if (pi->in_container && pi->container.id[0])
		pi->container_pid = tw_pid_in_namespace(pid);
	return pi->exe[0] || pi->cmdline[0] || pi->ppid;
}

/* name=value in the NUL-separated environ of pid, into out. */
static bool environ_value(int pid, const char *name, char *out, size_t len)
{
	char path[64], buf[65536];
	size_t nlen = strlen(name), n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		if (!strncmp(buf + i, name, nlen) && buf[i + nlen] == '=') {
			snprintf(out, len, "%s", buf + i + nlen + 1);
			return true;
		}
	return false;
}

int tw_ancestor_env(const char *name, char *out, size_t len)
{
	int pid = getppid();

	/* Our own first, then each ancestor's environment as it was given at
	 * its exec: sudo and 'env -u' only change what their children get. */
	if (getenv(name)) {
		snprintf(out, len, "%s", getenv(name));
		return getpid();
	}
	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		if (environ_value(pid, name, out, len))
			return pid;
		pid = tw_proc_ppid(pid);
	}
	return 0;
}

bool tw_proc_each_socket(int pid, int (*fn)(unsigned long inode, void *ctx), void *ctx)
{
	char path[300], link[64];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while ((de = readdir(dir))) {
		unsigned long inode;
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/fd/%.16s", pid, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) == 1 && fn(inode, ctx))
			break;
	}
	closedir(dir);
	return true;
}

/* The name of uid in a passwd file. */
static void name_in(FILE *f, uint32_t uid, char *out, size_t len)
{
	char line[512];

	while (fgets(line, sizeof(line), f)) {
		char *save, *name = strtok_r(line, ":", &save), *pw = strtok_r(NULL, ":", &save);
		char *id = strtok_r(NULL, ":", &save);

		if (name && pw && id && strtoul(id, NULL, 10) == uid) {
			snprintf(out, len, "%s", name);
			return;
		}
	}
}

void tw_user_name_of(uint32_t tgid, uint32_t uid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/root/etc/passwd", tgid);
	f = fopen(path, "re");
	if (!f)
		return;
	name_in(f, uid, out, len);
	fclose(f);
}

void tw_user_name_here(uint32_t uid, char *out, size_t len)
{
	FILE *f = fopen("/etc/passwd", "re");

	out[0] = '\0';
	if (f) {
		name_in(f, uid, out, len);
		fclose(f);
	}
}
