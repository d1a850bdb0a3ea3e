// Named points where the fault tests stop a run (LTSP_IMAGE_FAILPOINT=name) to kill it there; a no-op otherwise.
export async function failpoint(name: string): Promise<void> {
  if (process.env.LTSP_IMAGE_FAILPOINT !== name) return;
  process.stderr.write(`failpoint ${name} reached\n`);
  await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
}
