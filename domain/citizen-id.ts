const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character of an 18-character citizen ID (公民身份号码), ISO 7064 MOD 11-2. */
export function citizenIdCheckChar(first17: string): string {
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * (WEIGHTS[i] ?? 0), 0);
  return CHECK[sum % 11] ?? '';
}

/** Why a citizen ID is not valid, or null when it is. */
export function citizenIdProblem(value: string): string | null {
  if (!/^\d{17}[\dX]$/.test(value)) return 'must be 17 digits followed by a digit or X';
  const birth = value.slice(6, 14);
  const date = new Date(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10).replace(/-/g, '') !== birth) {
    return 'has an impossible date of birth';
  }
  if (citizenIdCheckChar(value.slice(0, 17)) !== value[17]) return 'fails its checksum';
  return null;
}

/** 110105********1234: enough to tell people apart at the window, not enough to identify them. */
export function maskCitizenId(value: string): string {
  return value.length === 18 ? `${value.slice(0, 6)}********${value.slice(14)}` : '******';
}
