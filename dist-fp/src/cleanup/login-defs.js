// Which accounts are "normal users" is the image's own decision, written in its etc/login.defs, not the host's.
/** What shadow-utils and the reference tool assume when login.defs is silent. */
export const DEFAULT_ID_RANGES = Object.freeze({
    uidMin: 1000,
    uidMax: 60000,
    gidMin: 1000,
    gidMax: 60000,
});
const KEYS = {
    UID_MIN: 'uidMin',
    UID_MAX: 'uidMax',
    GID_MIN: 'gidMin',
    GID_MAX: 'gidMax',
};
/**
 * Reads a login.defs value the way shadow-utils' getdef does (strtoul with base 0): "0x" is hex,
 * a leading "0" octal; anything else that is not a plain number is ignored.
 */
export function parseLoginDefsNumber(value) {
    let digits = value;
    let base = 10;
    if (/^0[xX]/.test(value)) {
        digits = value.slice(2);
        base = 16;
    }
    else if (/^0\d/.test(value)) {
        digits = value.slice(1);
        base = 8;
    }
    const pattern = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : /^\d+$/;
    if (!pattern.test(digits))
        return null;
    const parsed = Number.parseInt(digits, base);
    return Number.isSafeInteger(parsed) ? parsed : null;
}
/**
 * Extracts the account ranges; like shadow-utils, a later definition wins. A pair whose minimum
 * exceeds its maximum falls back to the defaults, since an empty range would keep every user.
 */
export function parseLoginDefs(text) {
    const ranges = { ...DEFAULT_ID_RANGES };
    for (const line of text.split('\n')) {
        const words = line.trim().split(/\s+/);
        const key = KEYS[words[0] ?? ''];
        if (key === undefined || words[1] === undefined || words[1].startsWith('#'))
            continue;
        const value = parseLoginDefsNumber(words[1].replace(/^"(.*)"$/, '$1'));
        if (value !== null)
            ranges[key] = value;
    }
    if (ranges.uidMin > ranges.uidMax) {
        ranges.uidMin = DEFAULT_ID_RANGES.uidMin;
        ranges.uidMax = DEFAULT_ID_RANGES.uidMax;
    }
    if (ranges.gidMin > ranges.gidMax) {
        ranges.gidMin = DEFAULT_ID_RANGES.gidMin;
        ranges.gidMax = DEFAULT_ID_RANGES.gidMax;
    }
    return ranges;
}
export function inRange(id, min, max) {
    return id >= min && id <= max;
}
//# sourceMappingURL=login-defs.js.map