/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The dated exit-addresses snapshot, embedded so one binary works offline. */
	.section .rodata
	.global tw_snapshot_start
	.global tw_snapshot_end
tw_snapshot_start:
	.incbin TW_SNAPSHOT_FILE
tw_snapshot_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
