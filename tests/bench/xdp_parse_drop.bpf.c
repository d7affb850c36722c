// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The drop floor (parse_floor.bpf.h): parse, read the source, drop. */
#define FLOOR_VERDICT XDP_DROP
#include "parse_floor.bpf.h"
