/** Agencies work in China Standard Time (Asia/Shanghai, UTC+8), whatever the server's own time zone. */
export const AGENCY_TIME_ZONE = 'Asia/Shanghai';

const agencyDate = new Intl.DateTimeFormat('en-CA', { timeZone: AGENCY_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The agency's calendar date at `at`, as YYYY-MM-DD. */
export function agencyDateOf(at: Date = new Date()): string {
  return agencyDate.format(at);
}
