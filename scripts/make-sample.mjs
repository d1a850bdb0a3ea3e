// Makes the demo's tiny image source: a chroot-like tree with a user, logs and a kernel, so the demo needs no debootstrap and no /srv.
import fs from 'node:fs';
import path from 'node:path';

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/make-sample.mjs DIR');
  process.exit(2);
}
if (fs.existsSync(path.join(root, 'etc/passwd'))) process.exit(0);

const files = {
  'etc/hostname': 'ltsp-sample\n',
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nstudent:x:1000:1000:Student:/home/student:/bin/sh\n',
  'etc/shadow': 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nstudent:$6$demo$notarealhashbutlookslikeone:19000:0:99999:7:::\n',
  'etc/group': 'root:x:0:\ndaemon:x:1:\nsudo:x:27:student\nstudent:x:1000:\n',
  'etc/gshadow': 'root:*::\ndaemon:*::\nsudo:*::student\nstudent:!::\n',
  'etc/passwd-': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/fstab': '# sample fstab\nproc /proc proc defaults 0 0\n',
  'etc/motd': 'Welcome to the LTSP sample image\n',
  'usr/bin/hello': '#!/bin/sh\necho hello from the sample image\n',
  'var/log/syslog': 'Nov 25 10:00:00 sample kernel: booted\n',
  'var/log/syslog.1': 'old log\n',
  'var/lib/dpkg/lock': '',
  'home/student/notes.txt': 'private notes that never reach the image\n',
  'tmp/junk': 'scratch\n',
  'boot/vmlinuz-6.1.0-13-amd64': 'not a real kernel, but enough for the demo\n',
  'boot/initrd.img-6.1.0-13-amd64': 'not a real initrd, but enough for the demo\n',
};
for (const dir of ['proc', 'sys', 'dev', 'run', 'root', 'srv', 'mnt', 'media']) fs.mkdirSync(path.join(root, dir), { recursive: true });
for (const [rel, content] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}
fs.chmodSync(path.join(root, 'usr/bin/hello'), 0o755);
fs.chmodSync(path.join(root, 'etc/shadow'), 0o640);
fs.chmodSync(path.join(root, 'etc/gshadow'), 0o640);
fs.symlinkSync('boot/vmlinuz-6.1.0-13-amd64', path.join(root, 'vmlinuz'));
fs.symlinkSync('boot/initrd.img-6.1.0-13-amd64', path.join(root, 'initrd.img'));
console.error(`sample image source made in ${root}`);
