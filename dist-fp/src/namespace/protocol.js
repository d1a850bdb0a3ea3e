export const WORKER_FLAG = '--ltsp-namespace-worker';
//# sourceMappingURL=protocol.js.map