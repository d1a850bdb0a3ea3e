// A failure the user can act on: its message is the one-line `msg` of the failed result.
export class ModuleError extends Error {
    extra;
    constructor(message, extra = {}) {
        super(message);
        this.extra = extra;
        this.name = 'ModuleError';
    }
}
export function errorMessage(error) {
    if (error instanceof Error)
        return error.message;
    return String(error);
}
/** One line, as Ansible shows `msg`: later lines of a child's output are joined with " | ". */
export function oneLine(text) {
    return text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .join(' | ');
}
//# sourceMappingURL=errors.js.map