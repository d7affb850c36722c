// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The storm floor (storm_floor.bpf.h) with 8-byte slots. */
#define FLOOR_SLOT_BYTES 8
#include "storm_floor.bpf.h"
