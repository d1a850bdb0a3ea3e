// Splits ltsp.conf into sections line by line as the reference's ini2sh does, before any shell syntax is looked at.
import { confError } from './located.js';

export interface Section {
  /** The lowercased header with characters outside [-*./:?@_|0-9a-z] removed: a shell case pattern. */
  pattern: string;
  /** The reference's function name for it; two headers with the same id are one section, the later body winning. */
  id: string;
  /** File line of the header (0 for the unnamed top section). */
  line: number;
  /** Body lines after the reference's rewrites (INCLUDE = x becomes a section call, VAR = x loses the spaces). */
  body: { text: string; line: number }[];
}

const HEADER = /^ *\[[^\]]*\]/;
const INCLUDE = /^include *=/;
const ASSIGNMENT = /^[a-zA-Z0-9_]* *=/;

export function sectionName(text: string): string {
  return text.toLowerCase().replace(/#.*/, '').replace(/[^-*./:?@_|0-9a-z]/g, '');
}

export function sectionId(pattern: string): string {
  return `section_${pattern.replace(/[^a-z0-9]/g, '_')}`;
}

function rewrite(text: string): string {
  if (INCLUDE.test(text.toLowerCase())) {
    return `section_call "${sectionName(text.toLowerCase().replace(/#.*/, '').replace(/include *= */, ''))}"`;
  }
  if (ASSIGNMENT.test(text)) return text.replace(/ *= */, '=');
  return text;
}

/** The unnamed top section first, then each header in file order. */
export function splitSections(file: string, content: string): Section[] {
  const unnamed: Section = { pattern: 'unnamed', id: sectionId('unnamed'), line: 0, body: [] };
  const sections = [unnamed];
  let current = unnamed;
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((text, index) => {
    const line = index + 1;
    if (HEADER.test(text)) {
      const pattern = sectionName(text);
      // The reference writes `PATTERN)` into a case statement: an empty pattern or alternative is a shell syntax error there.
      if (pattern === '' || pattern.split('|').includes('')) throw confError(file, line, `section header ${JSON.stringify(text.trim())} has an empty name`, 'name the section, e.g. [server]');
      current = { pattern, id: sectionId(pattern), line, body: [] };
      sections.push(current);
    } else {
      current.body.push({ text: rewrite(text), line });
    }
  });
  return sections;
}
