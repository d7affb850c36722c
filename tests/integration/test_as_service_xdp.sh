#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_xdp_netns.sh with the daemon as the service runs it: its own user holding
# exactly the unit's capabilities (setpriv), the pin root made ready by
# 'torwatch prepare'. Every detection must still work (lib.sh, TW_AS_SERVICE).
TW_AS_SERVICE=1 exec "$(dirname "$0")/test_xdp_netns.sh"
