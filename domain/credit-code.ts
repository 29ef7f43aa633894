/**
 * 统一社会信用代码 (GB 32100-2015): 18 characters from the code's own 31-character set (digits and capitals without
 * I, O, S, V, Z); the 18th is a check character over the first 17.
 */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** What is wrong with a unified social credit code, or null when it is well formed and its check character agrees. */
export function creditCodeProblem(code: string): string | null {
  if (code.length !== 18) return `must be 18 characters (it has ${code.length})`;
  const values = [...code].map((ch) => CHARSET.indexOf(ch));
  const bad = values.findIndex((v) => v < 0);
  if (bad >= 0) return `character ${bad + 1} ('${code[bad]}') is not one a credit code uses (digits and capitals other than I, O, S, V, Z)`;
  const check = creditCodeCheck(code.slice(0, 17));
  if (code[17] !== check) return `its check character is '${code[17]}', but the first 17 characters give '${check}'`;
  return null;
}

/** The check character (the 18th) of a unified social credit code's first 17 characters. */
export function creditCodeCheck(first17: string): string {
  const sum = [...first17].reduce((total, ch, i) => total + WEIGHTS[i]! * CHARSET.indexOf(ch), 0);
  return CHARSET[(31 - (sum % 31)) % 31]!;
}
