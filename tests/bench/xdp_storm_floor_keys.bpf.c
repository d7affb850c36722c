// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The storm floor (storm_floor.bpf.h) with 8-byte slots of keys, then a
 * dense array of counters. */
#define FLOOR_SLOT_BYTES 8
#define FLOOR_COUNTERS 1
#include "storm_floor.bpf.h"
