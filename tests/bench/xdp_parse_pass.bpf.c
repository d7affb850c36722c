// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pass floor (parse_floor.bpf.h): parse, read the source, pass. */
#define FLOOR_VERDICT XDP_PASS
#include "parse_floor.bpf.h"
