#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make_asn_mmdb.pl OUT [CIDR ASN ORG]...: an ASN database in GeoLite2-ASN's
# schema (autonomous_system_number, autonomous_system_organization),
# written by MaxMind's own writer (Debian's libmaxmind-db-writer-perl), for
# the tests: no ASN .mmdb can be downloaded on the test machines.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: make_asn_mmdb.pl OUT [CIDR ASN ORG]...\n";
my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version            => 6,
	record_size           => 24,
	# The tests use documentation ranges, which the writer drops by default.
	remove_reserved_networks => 0,
	database_type         => 'GeoLite2-ASN',
	languages             => ['en'],
	description           => { en => 'torwatch test ASN database' },
	map_key_type_callback => sub {
		{ autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string' }->{ $_[0] };
	},
);
while (@ARGV >= 3) {
	my ($cidr, $asn, $org) = splice(@ARGV, 0, 3);
	$tree->insert_network($cidr, { autonomous_system_number => $asn + 0,
				       autonomous_system_organization => $org });
}
open(my $fh, '>:raw', $out) or die "$out: $!\n";
$tree->write_tree($fh);
close($fh) or die "$out: $!\n";
