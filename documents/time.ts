import { chineseDate } from './note-sheet';

/** An instant's calendar day (YYYY-MM-DD), time of day (HH:mm) and UTC offset in a time zone. */
export function zonedParts(at: Date, timeZone: string): { date: string; time: string; offset: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}`, offset };
}

/** The calendar day of an instant at the agency (YYYY-MM-DD), whatever the server's own zone. */
export function agencyDate(at: Date, timeZone: string): string {
  return zonedParts(at, timeZone).date;
}

/** How a document names the zone its times are in: 北京时间 for China's, else the zone and its offset. */
export function zoneLabel(timeZone: string, at: Date = new Date()): string {
  const { offset } = zonedParts(at, timeZone);
  return timeZone === 'Asia/Shanghai' ? '北京时间' : `${timeZone}（UTC${offset}）`;
}

/** An instant as a document prints it: 2025年3月10日 15:45, in the agency's zone. */
export function chineseTime(iso: string, timeZone: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  const { date, time } = zonedParts(instant, timeZone);
  return `${chineseDate(date)} ${time}`;
}
