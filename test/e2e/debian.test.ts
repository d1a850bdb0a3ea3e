// A real Debian tree made by debootstrap: the image holds what the reference tool's would, and none of the server's secrets.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { BUILTIN_EXCLUDES } from '../../src/squashfs/builtin-excludes.js';
import { debianTree } from '../helpers/debootstrap.js';
import { assertNothingLeaked, filesContaining, hostSnapshot, imagePaths, treeDigest, unpackImage } from '../helpers/image.js';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { removeScratch } from '../helpers/tmp.js';

describe('ltsp_image on a debootstrap tree', function () {
  let tree: string;
  const box = useSandbox('debian-', 'none');

  before(async () => {
    tree = await debianTree();
  });
  after(async () => {
    if (tree) await removeScratch(tree);
  });

  it('builds the reference set of paths, regenerates nothing into the image and leaves the tree untouched', async () => {
    fs.appendFileSync(path.join(tree, 'etc/passwd'), 'teacher:x:1000:1000::/home/teacher:/bin/bash\n');
    fs.appendFileSync(path.join(tree, 'etc/shadow'), 'teacher:$6$teacher$averysecrethashthatmustnotleak:19000:0:99999:7:::\n');
    const hostKey = fs.readFileSync(path.join(tree, 'etc/ssh/ssh_host_ed25519_key'), 'utf8').split('\n')[1]!;
    const digest = await treeDigest(tree);
    const before = await hostSnapshot();
    const run = await runModule('ltsp_image', { name: tree, image_name: 'debian', base_dir: box.base, tftp_dir: box.tftp });
    assert.equal(run.code, 0, run.stdout);
    await assertNothingLeaked(before);
    assert.equal(await treeDigest(tree), digest, 'the debootstrap tree was modified');

    const list = path.join(box.scratch, 'excludes');
    fs.writeFileSync(list, BUILTIN_EXCLUDES.join('\n'));
    const reference = path.join(box.scratch, 'reference.img');
    await execa('mksquashfs', [tree, reference, '-noappend', '-wildcards', '-ef', list, '-no-progress', '-quiet']);
    const removedByCleanup = ['etc/passwd-', 'etc/shadow-', 'etc/group-', 'etc/gshadow-', 'etc/subuid-', 'etc/subgid-'];
    const expected = (await imagePaths(reference)).filter((p) => !removedByCleanup.includes(p));
    assert.deepEqual(await imagePaths(String(run.result.image)), expected);

    const unpacked = await unpackImage(String(run.result.image), path.join(box.scratch, 'unpacked'));
    assert.deepEqual(filesContaining(unpacked, ['averysecrethashthatmustnotleak', hostKey]), []);
    assert.doesNotMatch(fs.readFileSync(path.join(unpacked, 'etc/passwd'), 'utf8'), /^teacher:/m);
    assert.ok(fs.existsSync(path.join(unpacked, 'usr/sbin/sshd')));
  });
});
