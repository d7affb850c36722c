#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Quick start: install what is missing, build, and run torwatch on the
# interface of the default route, alerts as JSON lines on stdout.
# Extra arguments go to 'torwatch run' (e.g. -i eth1, --feed FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
# stdout is the alert stream (scripts/run.sh | jq): what building says goes to stderr.
scripts/install-deps.sh >&2
make -s >&2
exec ./torwatch run "$@"
