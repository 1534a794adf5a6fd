# journal_export.pl - syslog lines ("STAMP HOST TAG[PID]: MESSAGE", RFC 3339
# stamps, as arstat-loggen writes them) on stdin to the journal export format
# (https://systemd.io/JOURNAL_EXPORT_FORMATS/) on stdout, the fields journald
# gives a syslog client's entry: __REALTIME_TIMESTAMP, _HOSTNAME (the host
# with a domain, as gethostname() gives it), SYSLOG_IDENTIFIER, _PID,
# MESSAGE (binary form when it holds a byte outside printable ASCII). After
# every 7th entry comes an entry of another program (sshd), which the
# collector must pass over. Lines of another form (loggen's garbage) are
# dropped: a journal entry is never without its fields.
# systemd-journal-remote --output=FILE.journal - turns the output into a
# journal file (integration.journal).
use strict; use warnings; use Time::Local qw(timegm);
binmode STDIN; binmode STDOUT;
my $n = 0;
sub field { my ($k, $v) = @_;
  if ($v =~ /[\n\0]/ || $v =~ /[^\x20-\x7e]/) { print "$k\n", pack("Q<", length $v), $v, "\n" }
  else { print "$k=$v\n" } }
while (my $l = <STDIN>) {
  chomp $l;
  next unless $l =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?([+-])(\d\d):(\d\d) (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: (.*)$/s;
  my $frac = substr(($7 // '') . '000000', 0, 6);
  my $t = timegm($6, $5, $4, $3, $2 - 1, $1) - ($8 eq '+' ? 1 : -1) * ($9 * 3600 + $10 * 60);
  my $us = $t * 1000000 + $frac;
  # One boot since 2020: the monotonic clock follows the wall clock, so the
  # order of entries is the same by either (sd_journal merges files by both).
  my $mono = $us - 1577836800000000;
  field('__REALTIME_TIMESTAMP', $us); field('__MONOTONIC_TIMESTAMP', $mono);
  field('_BOOT_ID', '0123456789abcdef0123456789abcdef');
  field('_HOSTNAME', "$11.example.jp"); field('SYSLOG_FACILITY', 2); field('PRIORITY', 6);
  field('SYSLOG_IDENTIFIER', $12); field('_PID', $13) if defined $13;
  field('MESSAGE', $14); print "\n";
  if (++$n % 7 == 0) {
    field('__REALTIME_TIMESTAMP', $us); field('__MONOTONIC_TIMESTAMP', $mono);
    field('_BOOT_ID', '0123456789abcdef0123456789abcdef'); field('_HOSTNAME', $11);
    field('SYSLOG_IDENTIFIER', 'sshd'); field('_PID', 77); field('MESSAGE', "Accepted publickey for root"); print "\n";
  }
}
