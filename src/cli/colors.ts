// Colour for the summary's status words, only on a terminal and never when NO_COLOR is set (no-color.org).
type Paint = (text: string) => string;

export interface Colors {
  red: Paint;
  green: Paint;
  yellow: Paint;
  bold: Paint;
}

function paint(code: string, on: boolean): Paint {
  return on ? (text) => `\x1b[${code}m${text}\x1b[0m` : (text) => text;
}

export function colors(stream: { isTTY?: boolean }): Colors {
  const on = Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  return { red: paint('31', on), green: paint('32', on), yellow: paint('33', on), bold: paint('1', on) };
}
