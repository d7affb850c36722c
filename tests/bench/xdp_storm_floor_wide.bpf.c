// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The storm floor (storm_floor.bpf.h) with 128-byte slots. */
#define FLOOR_SLOT_BYTES 128
#include "storm_floor.bpf.h"
