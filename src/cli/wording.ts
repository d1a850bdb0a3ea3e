// Messages name options the way the schema and Ansible do (lock_timeout, force: true); on the command line they name the flags a person types.
import { flagLabel, type FlagTable } from './flags.js';

export function inFlagTerms(message: string, table: FlagTable): string {
  const byOption = new Map(table.flags.map((f) => [f.option, f]));
  return message
    .replace(/^(Option|Missing required option:) (\w+)/, (whole, lead: string, option: string) => {
      if (option === table.positional.option) return `${lead} ${table.positional.metavar}`;
      const flag = byOption.get(option);
      return flag ? `${lead} ${flagLabel(flag)}` : whole;
    })
    .replace(/\b([a-z]+(?:_[a-z]+)*): (true|false)\b/g, (whole, option: string, value: string) => {
      const flag = byOption.get(option);
      if (!flag) return whole;
      if (flag.switch) return value === 'true' ? flag.long : `--no-${flag.long.slice(2)}`;
      return `${flagLabel(flag)} ${value === 'true' ? 1 : 0}`;
    })
    .replace(/\b[a-z]+(?:_[a-z]+)+\b/g, (word) => byOption.get(word)?.long ?? word);
}
