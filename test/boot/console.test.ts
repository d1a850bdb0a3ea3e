// The boot test reads its verdict from a serial console shared with the kernel, systemd and getty: markers must survive that company.
import assert from 'node:assert/strict';
import { consoleMarkers, consoleTail, fatalSign } from '../../src/boot/console.js';

const CONSOLE = [
  '[   92.605880] powernow_k8: Power state transitions not supported\r',
  '\x1bM\x1b[K[\x1b[0;32m  OK  \x1b[0m] Reached target getty.target - Login Prompts.\r',
  '',
  'ltsp login: ltsp-boot-check: multi-user.target=active uptime=85.24\r',
  'ltsp-boot-check: normal_users=\r',
  'ltsp-boot-check: shadow_hashes=root\r',
  'ltsp-boot-check: layer_backing_file=/root/images/a=b.img\r',
  'Starting systemd-user-sess…vice\r',
].join('\n');

describe('boot console parsing', () => {
  it('finds markers after a login prompt, keeps empty values and splits at the first =', () => {
    const markers = consoleMarkers(CONSOLE);
    assert.equal(markers.get('multi-user.target'), 'active uptime=85.24');
    assert.equal(markers.get('normal_users'), '');
    assert.equal(markers.get('shadow_hashes'), 'root');
    assert.equal(markers.get('layer_backing_file'), '/root/images/a=b.img');
    assert.equal(markers.size, 4);
  });

  it('gives the tail without colours, cursor moves or carriage returns', () => {
    assert.equal(consoleTail(CONSOLE, 2), 'ltsp-boot-check: layer_backing_file=/root/images/a=b.img\nStarting systemd-user-sess…vice');
    assert.match(consoleTail(CONSOLE), /^\[ {2}OK {2}\] Reached target getty\.target/m);
    assert.doesNotMatch(consoleTail(CONSOLE), /[\x1b\r]/);
  });

  it('names what ends a boot for good, so the check fails at once instead of at its timeout', () => {
    const panic = '[   21.5] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\r\n[   21.6] CPU: 0 PID: 1';
    assert.equal(fatalSign(panic), 'kernel panic: Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
    assert.equal(fatalSign('\x1b[0;1;31mYou are in emergency mode. After logging in, type "journalctl -xb"\r\n'), 'systemd emergency mode: You are in emergency mode. After logging in, type "journalctl -xb"');
    assert.equal(fatalSign("Target filesystem doesn't have requested /sbin/init.\n"), "no init in the image: Target filesystem doesn't have requested /sbin/init.");
    assert.equal(fatalSign(CONSOLE), null);
    // QEMU writes a line in pieces: half a panic line is not reported until it is whole.
    assert.equal(fatalSign('[   21.5] Kernel panic - not syncing: A'), null);
  });

  it("names LTSP's and the initramfs's fatal errors with the line that says why", () => {
    const ltsp = "Running /usr/share/ltsp/client/init/56-hostname.sh\r\ncp: can't stat '/root/sbin/init': No such file or directory\r\nLTSP boot error! Enable DEBUG_SHELL to troubleshoot!\r\n";
    assert.equal(fatalSign(ltsp), "LTSP boot error: cp: can't stat '/root/sbin/init': No such file or directory ... LTSP boot error! Enable DEBUG_SHELL to troubleshoot!");
    assert.equal(fatalSign('LTSP boot error! Enable DEBUG_SHELL to troubleshoot!\n'), 'LTSP boot error: LTSP boot error! Enable DEBUG_SHELL to troubleshoot!');
    // die() without a message says "Aborting ltsp"; the kernel may print in between: the cause is the line before those.
    const aborting = "cp: can't stat '/root/sbin/init': No such file or directory\nAborting ltsp\n[   30.5] random: crng init done\nLTSP boot error! Enable DEBUG_SHELL to troubleshoot!\n";
    assert.equal(fatalSign(aborting), "LTSP boot error: cp: can't stat '/root/sbin/init': No such file or directory ... LTSP boot error! Enable DEBUG_SHELL to troubleshoot!");
    assert.equal(fatalSign('Gave up waiting for root file system device.  Common problems:\n'), 'initramfs gave up on the root device: Gave up waiting for root file system device.  Common problems:');
    assert.equal(fatalSign('ALERT!  /dev/vda does not exist.  Dropping to a shell!\n'), 'dropped to the initramfs shell: ALERT!  /dev/vda does not exist.  Dropping to a shell!');
    assert.equal(fatalSign('mount: mounting /dev/vda on /root failed\nRebooting automatically due to panic= boot argument\n'), 'initramfs panic: mount: mounting /dev/vda on /root failed ... Rebooting automatically due to panic= boot argument');
  });
});
