# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 'torwatch run --help' (made from the option table) to the roff of the man
# page's OPTIONS section, so that the page and the table cannot disagree.
function roff(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	sub(/^[.']/, "\\\\\\&&", s)
	return s
}
/^  -/ {
	started = 1
	line = substr($0, 3)
	split_at = match(line, /  +/)
	if (split_at) {
		opt = substr(line, 1, split_at - 1)
		text = substr(line, split_at + RLENGTH)
	} else {
		opt = line
		text = ""
	}
	print ".TP"
	print "\\fB" roff(opt) "\\fR"
	if (text != "")
		print roff(text)
	next
}
started && /^ +[^ ]/ {
	sub(/^ +/, "")
	print roff($0)
}
