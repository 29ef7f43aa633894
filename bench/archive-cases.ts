import { creditCodeCheck } from '../domain/credit-code';
import { citizenIdCheckChar } from '../domain/citizen-id';
import type { ItemRegistration } from '../catalogue/registration';

/**
 * The business cases of a bench archive, as the business systems of two units would send them over twenty years:
 * case `i` is always the same case, so a registration sent twice finds its item. More cases each year (about three
 * times as many in the last year as in the first), the pension unit's (J001) and the medical unit's (J002) own
 * business types in their usual proportions.
 */
export const FIRST_YEAR = 2007;

const FONDS = [
  {
    code: 'J001',
    share: 0.55,
    // Insured-person registration and payment details dominate; employer registration and annual summaries are few.
    types: { GL02: 30, GL03: 15, ZJ02: 15, YL02: 15, ZJ01: 8, YL01: 8, GL01: 3, GS01: 2, JH01: 2, ZJ03: 1, TJ01: 1 },
  },
  { code: 'J002', share: 0.45, types: { YB02: 40, YB01: 20, SYU01: 12, SY01: 10, GL04: 8, GL05: 6, TJ02: 4 } },
] as const;
const EMPLOYER_TYPES = new Set(['GL01', 'ZJ01', 'ZJ02', 'ZJ03']);

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈'];
const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强玉兰海燕晓东文婷雪梅俊杰子涵欣怡浩然宇轩'];
const CLERKS = ['王经办', '刘晓燕', '陈建华', '赵丽', '孙志强', '周敏', '吴海涛', '郑雪'];
const REGIONS = ['440304', '440305', '440306', '110105', '310115', '320106', '330106', '510107'];
const EMPLOYERS = [
  '示范科技有限公司',
  '东城建设集团有限公司',
  '市民中心物业管理有限公司',
  '南山医药有限公司',
  '城东机械制造厂',
  '新华书店有限公司',
  '长江物流有限公司',
  '海岸餐饮管理有限公司',
];

/** A small, fast generator (mulberry32) of the same numbers for the same seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function weighted<K extends string>(r: () => number, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  let x = r() * entries.reduce((a, [, w]) => a + w, 0);
  for (const [k, w] of entries) if ((x -= w) < 0) return k;
  return entries[entries.length - 1]![0];
}

function creditCode(n: number): string {
  const body = `913${REGIONS[n % REGIONS.length]!.slice(0, 5)}${String(100000000 + n * 7919).slice(-9)}`;
  return body + creditCodeCheck(body);
}
const CREDIT_CODES = EMPLOYERS.map((_, n) => creditCode(n + 1));

/** Days from 1 January of each year that may hold a handled date, up to `today` in the last year. */
function yearWeights(today: Date): { year: number; weight: number; days: number }[] {
  const last = today.getUTCFullYear();
  return Array.from({ length: last - FIRST_YEAR + 1 }, (_, k) => {
    const year = FIRST_YEAR + k;
    const days = year === last ? Math.floor((today.getTime() - Date.UTC(year, 0, 1)) / 86_400_000) : 365;
    return { year, days, weight: (1 + 0.1 * k) * (days / 365) };
  });
}

export function archiveCases(today: Date) {
  const years = yearWeights(today);
  const total = years.reduce((a, y) => a + y.weight, 0);
  return function caseAt(i: number): ItemRegistration {
    const r = random(i * 2654435761);
    let x = r() * total;
    const y = years.find((c) => (x -= c.weight) < 0) ?? years[years.length - 1]!;
    const handledOn = new Date(Date.UTC(y.year, 0, 1 + Math.floor(r() * y.days))).toISOString().slice(0, 10);
    const fonds = r() < FONDS[0].share ? FONDS[0] : FONDS[1];
    const businessType = weighted(r, fonds.types as Record<string, number>);
    const born = new Date(Date.UTC(1945 + Math.floor(r() * 58), 0, 1 + Math.floor(r() * 365))).toISOString().slice(0, 10).replace(/-/g, '');
    const first17 = `${pick(r, REGIONS)}${born}${String(Math.floor(r() * 1000)).padStart(3, '0')}`;
    const employer = EMPLOYER_TYPES.has(businessType) ? Math.floor(r() * EMPLOYERS.length) : -1;
    const level = r();
    return {
      fonds: fonds.code,
      caseNumber: `${businessType}${y.year}-${String(i + 1).padStart(7, '0')}`,
      businessType,
      citizenId: first17 + citizenIdCheckChar(first17),
      personName: pick(r, SURNAMES) + pick(r, GIVEN) + (r() < 0.6 ? pick(r, GIVEN) : ''),
      ...(employer >= 0 ? { employerName: EMPLOYERS[employer], employerCreditCode: CREDIT_CODES[employer] } : {}),
      clerk: pick(r, CLERKS),
      handledOn,
      handlingOffice: r() < 0.6 ? 'BS01' : 'BS02',
      securityLevel: level < 0.01 ? 'public' : level < 0.98 ? 'internal' : 'secret',
    };
  };
}
