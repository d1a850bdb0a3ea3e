// Undoes `ltsp dnsmasq --dns=1` on the server, whose resolver override would point clients at a resolver that is not theirs.
import { inspect, removeEntry, replaceWithSymlink, skipReason } from './tree-fs.js';
import { joinDetail } from './types.js';
const RESOLVED_OVERRIDE = 'etc/systemd/resolved.conf.d/ltsp.conf';
const RESOLV_CONF = 'etc/resolv.conf';
/** Relative, so that it resolves inside the client's root, not the server's. */
export const STUB_RESOLV_TARGET = '../run/systemd/resolve/stub-resolv.conf';
export async function restoreResolvConf(root) {
    const override = await inspect(root, RESOLVED_OVERRIDE);
    if (override.kind === 'missing')
        return { changed: false, detail: `no ${RESOLVED_OVERRIDE}` };
    if (override.kind !== 'regular')
        return { changed: false, detail: skipReason(RESOLVED_OVERRIDE, override) };
    // Checked before deleting anything, so that the step is either done whole or not at all.
    const resolv = await inspect(root, RESOLV_CONF);
    if (resolv.kind === 'unsafe' || resolv.kind === 'directory') {
        return { changed: false, detail: joinDetail([skipReason(RESOLV_CONF, resolv), `${RESOLVED_OVERRIDE} kept`]) };
    }
    await removeEntry(root, RESOLVED_OVERRIDE);
    const relinked = await replaceWithSymlink(root, RESOLV_CONF, STUB_RESOLV_TARGET);
    const link = relinked ? `pointed ${RESOLV_CONF} at ${STUB_RESOLV_TARGET}` : `${RESOLV_CONF} already pointed at ${STUB_RESOLV_TARGET}`;
    return { changed: true, detail: `deleted ${RESOLVED_OVERRIDE}; ${link}` };
}
//# sourceMappingURL=dns.js.map