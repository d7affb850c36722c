#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prints the tree's source files, one a line, relative to the project root:
# what git tracks or would track, or, without git (a tarball, a root that
# has no git), every file but the build's.
set -euo pipefail
cd "$(dirname "$0")/.."
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -co --exclude-standard | grep -v '^\.output/' || true
else
	find . \( -path ./.output -o -path ./.git -o -path ./bench-results \) -prune -o \
		\( -type f -o -type l \) ! -path ./torwatch -print | sed 's|^\./||'
fi
