/** Reads what `scanimage -d DEV -A` prints about a device's options into plain values. */

export type OptionConstraint =
  { kind: 'list'; values: string[] } | { kind: 'range'; min: number; max: number; step: number } | { kind: 'bool' } | { kind: 'free' };

export interface SaneOption {
  /** As scanimage accepts it: `--mode`, `-x`. */
  flag: string;
  name: string;
  constraint: OptionConstraint;
  unit?: string;
  current?: string;
  inactive: boolean;
  readOnly: boolean;
}

const OPTION_LINE = /^\s{2,}(--?[A-Za-z0-9][\w-]*)(.*)$/;
const BOOL = /^\[=\(([^)]*)\)\]/;
const FLAGS = new Set(['inactive', 'advanced', 'read-only', 'hardware', 'software']);
const UNIT = /^(-?\d+(?:\.\d+)?)(dpi|mm|%|us|pel|bit)$/;
const RANGE = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)(dpi|mm|%|us|pel|bit)?(?:,\.\.\.)?$/;

export function parseOptions(text: string): Map<string, SaneOption> {
  const options = new Map<string, SaneOption>();
  for (const line of text.split('\n')) {
    const match = OPTION_LINE.exec(line.trimEnd());
    if (!match?.[1]) continue;
    const option = parseOption(match[1], match[2] ?? '');
    options.set(option.name, option);
  }
  return options;
}

function parseOption(flag: string, rest: string): SaneOption {
  const name = flag.replace(/^-+/, '');
  const bool = BOOL.exec(rest);
  const { body, groups } = splitTrailingGroups((bool ? rest.slice(bool[0].length) : rest).trim());
  const flags = groups.filter((g) => FLAGS.has(g));
  const current = groups.find((g) => !FLAGS.has(g));
  const inactive = flags.includes('inactive');
  const readOnly = flags.includes('read-only');
  if (bool) return { flag, name, constraint: { kind: 'bool' }, current, inactive, readOnly };
  return { flag, name, ...parseConstraint(body), current, inactive, readOnly };
}

function parseConstraint(body: string): { constraint: OptionConstraint; unit?: string } {
  const step = /\s*\(in steps of (-?\d+(?:\.\d+)?)\)$/.exec(body);
  const text = step ? body.slice(0, step.index) : body;
  if (text === '' || text.startsWith('<')) return { constraint: { kind: 'free' } };
  const range = RANGE.exec(text);
  if (range) {
    return { constraint: { kind: 'range', min: Number(range[1]), max: Number(range[2]), step: Number(step?.[1] ?? 0) }, unit: range[3] };
  }
  let unit: string | undefined;
  const values = text.split('|').map((v) => {
    const numeric = UNIT.exec(v);
    if (!numeric?.[1]) return v;
    unit = numeric[2];
    return numeric[1];
  });
  return { constraint: { kind: 'list', values: values.filter((v) => v !== '') }, unit };
}

/** Splits `Gray|Color [Gray] [advanced]` into its body and the bracketed groups, allowing brackets inside a value. */
function splitTrailingGroups(text: string): { body: string; groups: string[] } {
  const groups: string[] = [];
  let body = text;
  while (body.endsWith(']')) {
    let depth = 0;
    let start = -1;
    for (let i = body.length - 1; i >= 0; i--) {
      if (body[i] === ']') depth++;
      else if (body[i] === '[' && --depth === 0) {
        start = i;
        break;
      }
    }
    if (start < 0 || (start > 0 && body[start - 1] !== ' ')) break;
    groups.unshift(body.slice(start + 1, -1));
    body = body.slice(0, start).trimEnd();
  }
  return { body, groups };
}
