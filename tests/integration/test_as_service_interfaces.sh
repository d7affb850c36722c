#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_interfaces.sh with the daemon as the service runs it: its own user holding
# exactly the unit's capabilities (setpriv), the pin root made ready by
# 'torwatch prepare'. An interface that comes back must get XDP again with
# only the capabilities the daemon keeps (lib.sh, TW_AS_SERVICE).
TW_AS_SERVICE=1 exec "$(dirname "$0")/test_interfaces.sh"
