// Reads what a module entry needs from its generated schema: the options part and the one-line description.
export function fromSchema(schema: Record<string, unknown>): { optionsSchema: Record<string, unknown>; description: string } {
  const definitions = schema.definitions as Record<string, Record<string, unknown>>;
  const meta = schema['x-ansible'] as { short_description?: string } | undefined;
  return { optionsSchema: definitions.options!, description: meta?.short_description ?? '' };
}
