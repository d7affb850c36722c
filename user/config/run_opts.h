/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Options of 'torwatch run'. */
#ifndef TW_RUN_OPTS_H
#define TW_RUN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "common/addr.h"
#include "common/port_list.h"
#include "kernel/xdp_attach.h"
#include "torwatch.h"

#define TW_DEFAULT_ALLOWED_PORTS "22,80,443,53"
#define TW_DEFAULT_DEDUP_WINDOW_S 60

#define TW_MAX_ALLOW 256	/* allowlist entries from options and config */

#define TW_DEFAULT_STATE_DIR "/var/lib/torwatch"
#define TW_MAX_LIST_FILES 8	/* deny files, and allow files */

/* Feed defaults: entries unseen 48 h leave (as on check.torproject.org). */
#define TW_DEFAULT_FEED_INTERVAL_S (30 * 60)
#define TW_DEFAULT_EXPIRE_S (48 * 3600)
#define TW_DEFAULT_MAX_SHRINK_PCT 50
#define TW_DEFAULT_STALE_AFTER_S (6 * 3600)
#define TW_DEFAULT_CONNECT_TIMEOUT_S 10
#define TW_DEFAULT_FETCH_TIMEOUT_S 60
#define TW_DEFAULT_RETRY_MIN_S 60
#define TW_DEFAULT_MAX_BODY (32u << 20)

/* A [source NAME] section: a built-in source changed, or a new one. */
struct tw_source_conf {
	const char *name;
	const char *url;	/* NULL: the built-in's */
	int enabled;		/* -1: as the 'sources' setting says */
	unsigned interval_s;	/* 0: the default */
	int format;		/* -1: the built-in's, else enum tw_feed_format */
};

struct tw_run_opts {
	const char *ifaces[TW_MAX_IFACES];
	size_t n_ifaces;
	const char *feeds[TW_MAX_SOURCES];	/* URLs and files */
	size_t n_feeds;
	unsigned builtin_on;		/* bit i: tw_builtin_sources[i] is enabled */
	struct tw_source_conf source_conf[TW_MAX_SOURCES];
	size_t n_source_conf;
	const char *deny_files[TW_MAX_LIST_FILES];
	size_t n_deny_files;
	const char *allow_files[TW_MAX_LIST_FILES];
	size_t n_allow_files;
	unsigned feed_interval_s;	/* for --feed URLs */
	unsigned expire_s;
	unsigned max_shrink_pct;
	unsigned stale_after_s;
	unsigned connect_timeout_s;
	unsigned fetch_timeout_s;
	unsigned retry_min_s;
	size_t max_body;
	const char *ca_file;
	const char *alerts;	/* "-" for stdout */
	const char *pin_root;
	const char *state_dir;
	enum tw_xdp_request xdp_mode;
	unsigned max_exits;	/* room per family for exact addresses */
	struct tw_port_set ssh_ports;
	bool block;		/* enable block mode for the SSH ports at start */
	struct tw_prefix allow[TW_MAX_ALLOW];
	size_t n_allow;
	struct tw_port_set allowed_tcp, allowed_udp;	/* listeners that are expected */
	bool ignore_loopback;	/* listeners bound only to loopback are expected */
	unsigned dedup_window_s;	/* fold repeats of a listener within this */
	char **owned;		/* strings copied from the config file */
	size_t n_owned;
	bool verbose;
};

void tw_run_opts_defaults(struct tw_run_opts *o);
/* Frees what the config file left in o. */
void tw_run_opts_free(struct tw_run_opts *o);
/* Sets the setting of long-option name (as in the config file) to v, which
 * must outlive o. Returns 0, or -1 with one sentence in err. */
int tw_run_opts_set(struct tw_run_opts *o, const char *name, const char *v, char *err,
		    size_t errlen);
/* The same for key in a [source NAME] section. */
int tw_run_opts_set_source(struct tw_run_opts *o, const char *source, const char *key,
			   const char *v, char *err, size_t errlen);
/* Parses argv (argv[0] is "run"): defaults, then the -c file, then the
 * options. Returns 0, 1 for --help, or -1 with one sentence in err. */
int tw_run_opts_parse(int argc, char **argv, struct tw_run_opts *o, char *err, size_t errlen);
void tw_run_usage(FILE *f);

#endif
