// Lets the timestamp granularity pass after changing a source, so its files are not "racily clean" (which rebuilds once more).
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));
