// KVM when this machine can really use it, TCG otherwise: a KVM boot takes seconds, a TCG one over a minute.
import fs from 'node:fs';

export type Accel = 'kvm' | 'tcg';

/** /dev/kvm must open read-write, and the CPU must virtualise: without vmx/svm /dev/kvm can open while a guest hangs. */
export function detectAccel(): Accel {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', 'r+'));
  } catch {
    return 'tcg';
  }
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  return /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo) ? 'kvm' : 'tcg';
}
