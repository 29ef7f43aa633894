/**
 * How well the OCR engine (全文识别) reads the pages an agency files: a labelled set rendered here (application forms
 * with names, 公民身份号码, credit codes and 档号, a table, small print, a page fed 2° crooked, a faint copy, a JPEG
 * scan), read by the same engine the OCR worker runs (ocr/engine.py, RapidOCR on ONNX Runtime), scored against what
 * was printed: character accuracy per kind of page, and the share of ID numbers and 档号 read exactly.
 *   npm run bench:ocr-accuracy -- [--pages 24] [--seed 7]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { citizenIdCheckChar } from '../domain/citizen-id';
import { creditCodeCheck } from '../domain/credit-code';
import { renderTextPage, type TextPageSpec } from '../ops/text-pages';
import { random as seededRandom } from './archive-cases';

const { values } = parseArgs({ options: { pages: { type: 'string', default: '24' }, seed: { type: 'string', default: '7' } } });

const KINDS = ['form', 'table', 'small print', 'skewed 2°', 'faint', 'JPEG'] as const;
type Kind = (typeof KINDS)[number];

interface Labelled {
  kind: Kind;
  spec: TextPageSpec;
  /** What was printed, in reading order. */
  truth: string;
  /** The ID numbers and 档号 on it, each to be read exactly. */
  numbers: string[];
}

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高'];
const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰晓志'];
const EMPLOYERS = ['深圳市兰台科技有限公司', '广州市天河建设集团有限公司', '佛山市南海医药有限公司', '东莞市长安电子厂'];
const TYPES: [string, string][] = [
  ['SY01', '失业保险金申领审批表'],
  ['YL02', '基本养老保险待遇核定表'],
  ['GS01', '工伤认定申请表'],
  ['GL02', '参保人员登记表'],
];

function labelledSet(count: number, random: () => number): Labelled[] {
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const set: Labelled[] = [];
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const [code, title] = pick(TYPES);
    const name = pick(SURNAMES) + pick(GIVEN) + (random() < 0.6 ? pick(GIVEN) : '');
    const birth = `19${50 + Math.floor(random() * 50)}${String(1 + Math.floor(random() * 12)).padStart(2, '0')}${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
    const id17 = `4403${digits(2)}${birth}${digits(3)}`;
    const citizenId = id17 + citizenIdCheckChar(id17);
    const credit17 = `914403${digits(11)}`;
    const creditCode = credit17 + creditCodeCheck(credit17);
    const year = 2000 + Math.floor(random() * 24);
    const archivalCode = `J001-${code}-${year}-D30-${digits(4)}`;
    const amount = `${1000 + Math.floor(random() * 4000)}.${digits(2)}`;
    let spec: TextPageSpec;
    let lines: string[];
    const numbers = [citizenId, archivalCode];
    if (kind === 'table') {
      lines = [`${title.replace(/表$/, '')}明细表`, `档号：${archivalCode}`, `姓名：${name}  公民身份号码：${citizenId}`];
      const table = [
        ['月份', '金额（元）', '经办人'],
        ...Array.from({ length: 4 }, (_, m) => [`${year}年${String(m + 1).padStart(2, '0')}月`, amount, pick(SURNAMES) + pick(GIVEN)]),
      ];
      spec = { lines, table };
      set.push({ kind, spec, truth: [...lines, ...table.flat()].join('\n'), numbers });
      continue;
    }
    lines = [
      title,
      `档号：${archivalCode}`,
      `姓名：${name}  公民身份号码：${citizenId}`,
      `单位名称：${pick(EMPLOYERS)}`,
      `统一社会信用代码：${creditCode}`,
      `经办日期：${year}年${String(1 + Math.floor(random() * 12)).padStart(2, '0')}月${String(1 + Math.floor(random() * 28)).padStart(2, '0')}日  金额：${amount}元`,
      '本人承诺以上所填信息真实有效，如有虚假愿承担相应责任。',
    ];
    numbers.push(creditCode);
    spec = { lines, seed: i };
    if (kind === 'small print') spec.textMm = 2.8;
    if (kind === 'skewed 2°') spec.skewDegrees = 2;
    if (kind === 'faint') spec.faint = true;
    if (kind === 'JPEG') spec.format = 'jpeg';
    set.push({ kind, spec, truth: lines.join('\n'), numbers });
  }
  return set;
}

/** Levenshtein distance over Unicode characters. */
function distance(a: string[], b: string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

// Spaces and the full/half width of punctuation are not what a reader cares about.
const normal = (s: string) => [
  ...s.replace(/\s+/g, '').replace(/：/g, ':').replace(/（/g, '(').replace(/）/g, ')').replace(/，/g, ',').replace(/。/g, '.'),
];

async function main(): Promise<void> {
  const count = Number(values.pages);
  const set = labelledSet(count, seededRandom(Number(values.seed)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-ocr-accuracy-'));
  const files: string[] = [];
  for (const [i, page] of set.entries()) {
    const file = path.join(dir, `${String(i + 1).padStart(3, '0')}.${page.spec.format === 'jpeg' ? 'jpg' : 'png'}`);
    fs.writeFileSync(file, await renderTextPage({ dpi: 200, ...page.spec }));
    files.push(file);
  }
  const tools = process.env.LANTAI_TOOLS ?? path.join(os.homedir(), '.cache', 'lantai');
  const started = performance.now();
  const { stdout } = await promisify(execFile)('python3', [path.resolve(__dirname, '..', 'ocr', 'engine.py'), ...files], {
    env: { ...process.env, PYTHONPATH: path.join(tools, 'ocr') },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - started) / 1000;
  const readings = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; milliseconds: number; engine: string });

  const byKind = new Map<Kind, { chars: number; errors: number; pages: number; ms: number }>();
  let numbers = 0;
  let exact = 0;
  const misread: string[] = [];
  for (const [i, page] of set.entries()) {
    const read = readings[i]!;
    const truth = normal(page.truth);
    const k = byKind.get(page.kind) ?? { chars: 0, errors: 0, pages: 0, ms: 0 };
    k.chars += truth.length;
    k.errors += distance(truth, normal(read.text));
    k.pages += 1;
    k.ms += read.milliseconds;
    byKind.set(page.kind, k);
    const flat = read.text.replace(/\s+/g, '');
    for (const n of page.numbers) {
      numbers += 1;
      if (flat.includes(n)) exact += 1;
      else misread.push(`${page.kind}: ${n}`);
    }
  }
  const engine = readings[0]?.engine ?? '?';
  process.stdout.write(`${engine}, ${set.length} labelled pages at 200 dpi (A4), seed ${values.seed}\n\n`);
  process.stdout.write('kind          pages  characters  character accuracy  s/page\n');
  let chars = 0;
  let errors = 0;
  let ms = 0;
  for (const kind of KINDS) {
    const k = byKind.get(kind);
    if (!k) continue;
    chars += k.chars;
    errors += k.errors;
    ms += k.ms;
    process.stdout.write(
      `${kind.padEnd(12)}  ${String(k.pages).padStart(5)}  ${String(k.chars).padStart(10)}  ${((1 - k.errors / k.chars) * 100).toFixed(2).padStart(17)}%  ${(k.ms / k.pages / 1000).toFixed(2).padStart(6)}\n`,
    );
  }
  process.stdout.write(
    `${'all'.padEnd(12)}  ${String(set.length).padStart(5)}  ${String(chars).padStart(10)}  ${((1 - errors / chars) * 100).toFixed(2).padStart(17)}%  ${(ms / set.length / 1000).toFixed(2).padStart(6)}\n\n`,
  );
  process.stdout.write(`ID numbers and 档号 read exactly: ${exact} of ${numbers} (${((exact / numbers) * 100).toFixed(1)}%)\n`);
  for (const m of misread.slice(0, 10)) process.stdout.write(`  not read exactly: ${m}\n`);
  process.stdout.write(
    `engine alone: ${(set.length / wall).toFixed(2)} pages/s on ${os.cpus().length} cores (one process, model load included: ${wall.toFixed(1)} s)\n`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
