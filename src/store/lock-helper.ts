// A fixed Perl program that holds an fcntl write lock (the kind dpkg uses) until its stdin closes; perl-base is Essential on Debian and Ubuntu.
export const LOCK_HELPER = String.raw`
use strict; use warnings; use Fcntl;
$| = 1;
my ($file, $timeout, $create) = @ARGV;
# Never through a symlink and only a regular file: a dpkg lock in a source may point at a host file or a device.
my $flags = ($create ? (O_RDWR | O_CREAT) : O_RDWR) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
sysopen(my $fh, $file, $flags, 0600) or do { print "error: $!\n"; exit 2 };
-f $fh or do { print "error: not a regular file\n"; exit 2 };
# struct flock: l_type first, the rest zero (SEEK_SET, whole file); padding covers every ABI.
my $req = pack('s', F_WRLCK) . ("\0" x 126);
my $deadline = time + $timeout;
my $told = 0;
until (fcntl($fh, F_SETLK, $req)) {
  unless ($!{EAGAIN} || $!{EACCES}) { print "error: $!\n"; exit 2 }
  print "waiting\n" unless $told++;
  if (time >= $deadline) { print "timeout\n"; exit 3 }
  select(undef, undef, undef, 0.2);
}
print "locked\n";
1 while sysread(STDIN, my $buf, 4096);
exit 0;
`;
