/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tor's directory authorities and fallback directories, as tor itself
 * carries them (data/tor-directories.DATE.txt says from where), embedded so
 * that the first start needs no network. */
	.section .rodata
	.global tw_relays_builtin_start
	.global tw_relays_builtin_end
tw_relays_builtin_start:
	.incbin TW_RELAYS_BUILTIN_FILE
tw_relays_builtin_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
