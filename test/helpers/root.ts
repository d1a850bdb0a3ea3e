// Tests that need root must fail, not skip, in CI; on a developer machine without root they skip.
import type { Context } from 'mocha';

export const isRoot = process.getuid?.() === 0;

export function requireRoot(ctx: Context): void {
  if (isRoot) return;
  if (process.env.CI === 'true') throw new Error('this test needs root, and CI=true forbids skipping it');
  ctx.skip();
}
