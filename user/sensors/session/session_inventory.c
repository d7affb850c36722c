// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/session/session_inventory.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/addr.h"
#include "common/procinfo.h"
#include "kernel/pins.h"
#include "sensors/session/session_track.h"
#include "common/timeutil.h"

struct proc {
	uint32_t pid, ppid, uid;
	char comm[TW_COMM_LEN];
};

/* Every process: pid, parent, real uid, name. */
static struct proc *list_procs(size_t *n)
{
	DIR *dir = opendir("/proc");
	struct proc *all = NULL;
	size_t cap = 0;
	struct dirent *de;

	*n = 0;
	if (!dir)
		return NULL;
	while ((de = readdir(dir))) {
		char path[64], buf[512], *open_paren, *close_paren;
		struct proc p = {};
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		p.pid = (uint32_t)strtoul(de->d_name, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%u/stat", p.pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		buf[0] = '\0';
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		/* "pid (comm) state ppid": comm may hold spaces and parentheses. */
		open_paren = strchr(buf, '(');
		close_paren = strrchr(buf, ')');
		if (!open_paren || !close_paren || close_paren < open_paren)
			continue;
		snprintf(p.comm, sizeof(p.comm), "%.*s", (int)(close_paren - open_paren - 1),
			 open_paren + 1);
		p.ppid = (uint32_t)strtoul(close_paren + 4, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%u", p.pid);
		struct stat st;

		if (!stat(path, &st))
			p.uid = st.st_uid;
		if (*n == cap) {
			struct proc *more = realloc(all, (cap = cap ? cap * 2 : 1024) * sizeof(*all));

			if (!more)
				break;
			all = more;
		}
		all[(*n)++] = p;
	}
	closedir(dir);
	return all;
}

static bool is_sshd(const char *comm, const char (*names)[16], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(comm, names[i], TW_COMM_LEN))
			return true;
	return false;
}

struct inodes {
	unsigned long *v;
	size_t n, max;
};

static int add_inode(unsigned long inode, void *ctx)
{
	struct inodes *in = ctx;

	in->v[in->n++] = inode;
	return in->n == in->max;
}

/* The socket inodes among pid's open files (at most max). */
static size_t socket_inodes(uint32_t pid, unsigned long *out, size_t max)
{
	struct inodes in = { out, 0, max };

	tw_proc_each_socket((int)pid, add_inode, &in);
	return in.n;
}

static bool holds(uint32_t pid, unsigned long inode)
{
	unsigned long socks[64];
	size_t n = socket_inodes(pid, socks, 64);

	for (size_t i = 0; i < n; i++)
		if (socks[i] == inode)
			return true;
	return false;
}

/* /proc/net/tcp{,6} print each address as 32-bit words in host order. */
static void parse_addr(const char *hex, bool v6, struct tw_in6 *out)
{
	uint32_t w[4] = {};

	if (v6) {
		for (int i = 0; i < 4; i++) {
			char word[9];

			memcpy(word, hex + 8 * i, 8);
			word[8] = '\0';
			w[i] = (uint32_t)strtoul(word, NULL, 16);
		}
		memcpy(out->addr, w, 16);
	} else {
		w[0] = (uint32_t)strtoul(hex, NULL, 16);
		tw_in6_from_v4(out->addr, &w[0]);
	}
}

/* The first established TCP connection among the socket inodes, as pid's
 * network namespace lists them; its inode in *which. */
static bool find_connection(uint32_t pid, const unsigned long *socks, size_t n_socks,
			    struct tw_session *s, unsigned long *which)
{
	for (int v6 = 0; v6 < 2; v6++) {
		char path[64], line[512];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%u/net/%s", pid, v6 ? "tcp6" : "tcp");
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char local[40], remote[40];
			unsigned lport, rport, state;
			unsigned long ino;
			bool ours = false;

			if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*s %*s %lu",
				   local, &lport, remote, &rport, &state, &ino) != 6 || state != 1)
				continue;
			for (size_t i = 0; i < n_socks && !ours; i++)
				ours = socks[i] == ino;
			if (!ours)
				continue;
			parse_addr(local, v6, &s->local);
			parse_addr(remote, v6, &s->client);
			s->local_port = (uint16_t)lport;
			s->client_port = (uint16_t)rport;
			*which = ino;
			fclose(f);
			return true;
		}
		fclose(f);
	}
	return false;
}

static bool same_root(uint32_t a, uint32_t b)
{
	char pa[64], pb[64];
	struct stat sa, sb;

	snprintf(pa, sizeof(pa), "/proc/%u/root", a);
	snprintf(pb, sizeof(pb), "/proc/%u/root", b);
	return !stat(pa, &sa) && !stat(pb, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void check_exit(const char *pin_root, struct tw_session *s)
{
	struct tw_check_ctx c = {};
	struct tw_prefix p;

	tw_prefix_from_in6(s->client.addr, &p);
	if (!tw_exit_check(pin_root, &p, &c) && c.found && !c.allowlisted) {
		s->is_exit = 1;
		s->sources = c.sources;
	}
}

int tw_session_inventory(struct session_track_bpf *s, const char (*names)[16], size_t n_names,
			 const char *pin_root, tw_session_found_fn found, void *ctx)
{
	size_t n, adopted = 0;
	struct proc *all = list_procs(&n);
	uint32_t *tgids = calloc(n + 1, sizeof(uint32_t)), *parents = calloc(n + 1, sizeof(uint32_t));
	uint32_t *flags = calloc(n + 1, sizeof(uint32_t));
	char (*comms)[TW_COMM_LEN] = calloc(n + 1, TW_COMM_LEN);

	if (!all || !tgids || !parents || !flags || !comms) {
		free(all), free(tgids), free(parents), free(flags), free(comms);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct tw_session sess = { .found_at_start = 1 };
		unsigned long socks[64], ino = 0;
		size_t m = 0, n_socks;
		uint32_t ppid = all[i].ppid;

		if (!is_sshd(all[i].comm, names, n_names) || tw_session_has_proc(s, all[i].pid))
			continue;
		n_socks = socket_inodes(all[i].pid, socks, 64);
		if (!n_socks || !find_connection(all[i].pid, socks, n_socks, &sess, &ino))
			continue;
		/* The session's first sshd: its parent does not hold the same connection. */
		if (holds(ppid, ino))
			continue;
		sess.sshd_tgid = all[i].pid;
		sess.started_ns = tw_now_mono_ns();
		check_exit(pin_root, &sess);
		/* The session's processes: the sshd, then its descendants, breadth first. */
		tgids[m] = all[i].pid, parents[m] = 0, flags[m] = TW_PROC_SSHD;
		memcpy(comms[m++], all[i].comm, TW_COMM_LEN);
		for (size_t head = 0; head < m; head++)
			for (size_t j = 0; j < n && m < n; j++) {
				if (all[j].ppid != tgids[head])
					continue;
				tgids[m] = all[j].pid, parents[m] = tgids[head];
				flags[m] = is_sshd(all[j].comm, names, n_names) ? TW_PROC_SSHD : 0;
				if (!same_root(all[j].pid, all[i].pid))
					flags[m] |= TW_PROC_CHROOTED;
				/* A program that is not sshd, or a user's uid: logged in. */
				if (!(flags[m] & TW_PROC_CHROOTED) &&
				    (!(flags[m] & TW_PROC_SSHD) || all[j].uid) && !sess.login_seen) {
					sess.login_seen = 1;
					sess.login_uid = all[j].uid;
				}
				memcpy(comms[m++], all[j].comm, TW_COMM_LEN);
			}
		if (tw_session_adopt(s, &sess, tgids, parents, flags, comms, m))
			continue;
		adopted++;
		if (found) {
			struct tw_session_event ev = { .ts_ns = sess.started_ns, .session = sess,
						       .session_id = sess.started_ns,
						       .tgid = tgids[m - 1], .pid = tgids[m - 1] };

			if (sess.is_exit && sess.login_seen)
				ev.kind = TW_EV_SSH_LOGIN;
			memcpy(ev.comm, comms[m - 1], TW_COMM_LEN);
			found(&ev, ctx);
		}
	}
	free(all), free(tgids), free(parents), free(flags), free(comms);
	return (int)adopted;
}
