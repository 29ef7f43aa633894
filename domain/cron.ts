const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

/** What is wrong with a five-field cron expression (minute hour day-of-month month day-of-week), or undefined. */
export function cronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    return `must have five fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * 0"; got ${parts.length}`;
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    for (const element of part.split(',')) {
      const problem = elementProblem(element, field);
      if (problem) return `${field.name} "${part}": ${problem}`;
    }
  }
  return undefined;
}

function elementProblem(element: string, field: (typeof FIELDS)[number]): string | undefined {
  const m = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(element);
  if (!m) return `"${element}" is not a value, a range, * or a step`;
  if (m[2] !== undefined && Number(m[2]) < 1) return 'a step must be 1 or more';
  if (m[1] === '*') return undefined;
  const bounds = m[1]!.split('-').map((v) => valueOf(v, field));
  if (bounds.some((v) => v === undefined))
    return `values must lie in ${field.min}–${field.max}${'names' in field ? ` or be ${field.names[0]}…${field.names.at(-1)}` : ''}`;
  if (bounds.length === 2 && bounds[0]! > bounds[1]!) return `range ${m[1]} runs backwards`;
  return undefined;
}

function valueOf(text: string, field: (typeof FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  if (!('names' in field)) return undefined;
  const index = (field.names as readonly string[]).indexOf(text.toUpperCase());
  if (index < 0) return undefined;
  return field.name === 'month' ? index + 1 : index;
}
