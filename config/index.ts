import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SECURITY_LEVELS, type SecurityLevel } from '../domain/security';

const repoRoot = path.resolve(__dirname, '..');

const port = z.coerce
  .number()
  .int('must be a whole number')
  .min(1, 'must be a port number 1–65535')
  .max(65535, 'must be a port number 1–65535');
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const optionalText = z.string().min(1).optional();
const labelSize = z.string().regex(/^\d{1,3}x\d{1,3}$/, 'must be width x height in millimetres, e.g. 50x30');
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const cron = z.string().regex(/^\S+( \S+){4}$/, 'must be a cron expression of five fields, e.g. "0 2 * * 0"');
const duration = z
  .string()
  .regex(/^\d{1,6}(s|m|h|d)$/, 'must be a number with s, m, h or d, e.g. 7d')
  .transform((v) => Number(v.slice(0, -1)) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as 's' | 'm' | 'h' | 'd']);
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

const schema = z.object({
  LANTAI_DATA: z
    .string()
    .min(1)
    .default(path.join(repoRoot, '.lantai', 'data')),
  LANTAI_TOOLS: z
    .string()
    .min(1)
    .default(path.join(process.env.HOME ?? '/tmp', '.cache', 'lantai')),
  LANTAI_API_HOST: z.string().min(1).default('127.0.0.1'),
  LANTAI_API_PORT: port.default(8080),
  LANTAI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LANTAI_WORKER_METRICS: z
    .string()
    .regex(/^[\w.:-]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional()
    .describe("where the worker serves the Temporal SDK's Prometheus metrics (activity and workflow task failures, latencies)"),
  LANTAI_METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{24,200}$/, 'must be 24 to 200 printable characters without spaces')
    .optional(),
  LANTAI_TOKEN_TTL_MINUTES: z.coerce
    .number()
    .int('must be a whole number of minutes')
    .min(1)
    .max(7 * 24 * 60)
    .default(480),
  LANTAI_SIGN_IN_MAX_FAILURES: z.coerce
    .number()
    .int('must be a whole number of failed sign-ins')
    .min(1)
    .max(100)
    .default(5)
    .describe('failed sign-ins of one user name within LANTAI_SIGN_IN_WINDOW that lock it'),
  LANTAI_SIGN_IN_WINDOW: duration.default(15 * 60_000),
  LANTAI_SIGN_IN_LOCKOUT: duration.default(15 * 60_000),
  LANTAI_SIGNING_KEY: optionalText,
  LANTAI_ENCRYPTION: flag.default(true).describe('seal new page images with SM4 (envelope encryption by Lantai)'),
  LANTAI_KEK_DIR: optionalText.describe('folder of the key-encryption keys (KEKs); <data>/keys/kek'),
  LANTAI_TLS_CERT: optionalText.describe("the API's certificate chain (PEM); with LANTAI_TLS_KEY the API speaks only https"),
  LANTAI_TLS_KEY: optionalText.describe("the certificate's private key (PEM)"),
  LANTAI_API_URL: url(['http:', 'https:']).optional().describe('the address at which OCR workers reach the API for the pages they read'),
  LANTAI_MAX_SKEW_DEGREES: z.coerce
    .number()
    .min(0.5, 'must be between 0.5 and 45 degrees')
    .max(45, 'must be between 0.5 and 45 degrees')
    .default(5),
  LANTAI_SAMPLING_SHARE: z.coerce.number().min(0, 'must be a share between 0 and 1').max(1, 'must be a share between 0 and 1').default(0.1),
  LANTAI_MAX_UPLOAD_MB: z.coerce.number().int('must be a whole number of megabytes').min(1).max(500).default(25),
  LANTAI_WORKSTATION: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, - or _')
    .optional(),
  LANTAI_SANE_CONFIG_DIR: optionalText,
  LANTAI_IMPORT_ROOT: optionalText,
  LANTAI_CJK_FONT: z.string().min(1).default('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'),
  LANTAI_ITEM_LABEL_MM: labelSize.default('50x30'),
  LANTAI_SPINE_LABEL_MM: labelSize.default('30x220'),
  LANTAI_TRANSFER_ENCODING: z.enum(['UTF-8', 'GB18030']).default('UTF-8'),
  LANTAI_TRANSFER_RETENTION: z
    .string()
    .regex(/^(Y|D100|D50|D30|D10|D5)(,(Y|D100|D50|D30|D10|D5))*$/, 'must be retention codes separated by commas, e.g. Y,D100,D50,D30')
    .default('Y,D100,D50,D30'),
  LANTAI_TRANSFER_ROOT: optionalText,
  LANTAI_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone name, e.g. Asia/Shanghai')
    .default('Asia/Shanghai')
    .describe('the time zone schedules run in and documents print their times in'),
  LANTAI_INVENTORY_CRON: cron.default('0 2 * * 0'),
  LANTAI_INVENTORY_REHASH_CYCLE: z.coerce
    .number()
    .int('must be a whole number of runs')
    .min(1, 'must be 1 (every object every run) or more')
    .max(520)
    .default(4),
  LANTAI_PERMANENT_LOCK_YEARS: z.coerce
    .number()
    .int('must be a whole number of years')
    .min(2, 'must be 2 years or more, so that the inventory renews it in time')
    .max(100)
    .default(10)
    .describe('years of the compliance-mode Object Lock window of a permanent item, renewed by the inventory at half of it'),
  LANTAI_APPRAISAL_CRON: cron.default('0 3 2 1 *'),
  LANTAI_APPRAISAL_RULE: z.enum(['unanimous', 'majority']).default('majority'),
  LANTAI_APPROVAL_TIMEOUT: duration.default(7 * 86_400_000),
  LANTAI_DESTRUCTION_PAGE: z.coerce
    .number()
    .int('must be a whole number of items')
    .min(1, 'must be 1 or more items')
    .max(10_000)
    .default(1000),
  LANTAI_USE_HEAD_LEVEL: z
    .enum(SECURITY_LEVELS)
    .default('secret')
    .describe('the lowest security level whose use the agency head approves; below it the archive manager does'),
  LANTAI_USE_GRANT_TTL: duration.default(7 * 86_400_000),
  LANTAI_USE_RENEWAL: duration.default(5 * 86_400_000),
  LANTAI_LOAN_ESCALATION: duration.default(3 * 86_400_000),
  LANTAI_USE_SELF_SERVICE: flag.default(true),
  LANTAI_OCR_TASK_QUEUE: z
    .string()
    .regex(/^[\w.-]{1,200}$/, 'must be letters, digits, ., - or _')
    .default('lantai-ocr')
    .describe("the OCR workers' Temporal task queue"),
  LANTAI_OCR_WORKERS: z.coerce
    .number()
    .int('must be a whole number of OCR workers')
    .min(0, 'must be 0 (OCR workers run elsewhere) or more')
    .max(64)
    .default(1)
    .describe('OCR worker processes `./lantai start` runs on this machine'),
  LANTAI_OCR_THREADS: z.coerce.number().int('must be a whole number of threads').min(0).max(256).default(0),
  LANTAI_OCR_BATCH: z.coerce
    .number()
    .int('must be a whole number of pages')
    .min(1, 'must be 1 page or more')
    .max(500)
    .default(16)
    .describe('pages handed to the OCR workers at once: at least twice the number of OCR workers'),
  LANTAI_OCR_IDLE: duration.default(30_000),
  LANTAI_AUDIT_CHECKPOINT: duration
    .default(3_600_000)
    .describe("how often the audit chain's head is signed and written to the store under Object Lock"),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_OWNER_URL: url(['postgres:', 'postgresql:'])
    .optional()
    .describe("the schema owner's connection URL, for migrations, backups and restores; DATABASE_URL when unset"),
  LANTAI_PG_PORT: port.default(55432),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9._-]{2,255}$/, 'must be a Temporal namespace name')
    .default('lantai'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('lantai'),
  TEMPORAL_TLS: flag.default(false),
  TEMPORAL_TLS_CA: optionalText,
  TEMPORAL_TLS_CERT: optionalText,
  TEMPORAL_TLS_KEY: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_UI_URL: url(['http:', 'https:']).optional(),
  LANTAI_TEMPORAL_PORT: port.default(7233),
  LANTAI_TEMPORAL_UI_PORT: port.default(8233),

  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  S3_FORCE_PATH_STYLE: flag.default(true),
  S3_BUCKET_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and hyphens')
    .default('lantai-'),
  LANTAI_MINIO_PORT: port.default(9000),
  LANTAI_MINIO_CONSOLE_PORT: port.default(9001),
});

export type RawConfig = z.infer<typeof schema>;

/** The role the API and the worker connect to the embedded PostgreSQL as; it owns nothing (prisma/migrate.ts). */
export const EMBEDDED_APP_ROLE = 'lantai_app';

export interface Config {
  dataDir: string;
  toolsDir: string;
  logLevel: RawConfig['LANTAI_LOG_LEVEL'];
  /** `metricsToken`: the bearer token Prometheus sends for /metrics; without it, /metrics answers only on loopback. */
  /**
   * `tls`: the certificate and key (PEM, as read at start) the API listens with, https only; `url`: where OCR workers
   * reach it for the pages they read.
   */
  api: {
    host: string;
    port: number;
    tokenTtlMinutes: number;
    metricsToken: string | undefined;
    tls: { certPath: string; cert: string; key: string } | undefined;
    url: string;
  };
  /** Lock-out: this many failed sign-ins (password or second factor) of one user name within `windowMs` lock it for `lockoutMs`. */
  signIn: { maxFailures: number; windowMs: number; lockoutMs: number };
  /** host:port of the worker's Temporal SDK metrics (Prometheus), when set. */
  workerMetrics: string | undefined;
  signingKeyPath: string;
  /** Encryption at rest (SM4, store/sealing.ts): whether new page images are sealed, and where the KEKs live. */
  encryption: { enabled: boolean; kekDir: string };
  quality: { maxSkewDegrees: number; samplingShare: number; maxUploadBytes: number };
  devices: { workstation: string | undefined; saneConfigDir: string | undefined };
  importRoot: string;
  volumes: { cjkFont: string; itemLabel: LabelSize; spineLabel: LabelSize };
  /** Transfers to the city archive: the catalogue's XML encoding, which retention periods go, where directory packages may be written. */
  transfer: { encoding: 'UTF-8' | 'GB18030'; retentionPeriods: string[]; directoryRoot: string };
  /** Periodic inventory: the default schedule of each fonds, and in how many runs every stored object is re-hashed once. */
  /** IANA time zone of schedules and of the times documents print. */
  timeZone: string;
  inventory: { cron: string; rehashCycle: number };
  /** Object Lock of a permanent item's pages: compliance mode for this many years, renewed by the inventory at half of it. */
  permanentLockYears: number;
  /** Appraisal: when the yearly batch opens, and the committee's outcome rule. */
  appraisal: { cron: string; rule: 'unanimous' | 'majority' };
  /** Destruction: how long an approval may wait before it is escalated (ms), and how many items are destroyed together. */
  destruction: { approvalTimeoutMs: number; itemsPerPage: number };
  /**
   * 利用: the level from which the agency head approves; how long a grant runs (ms), how much one renewal adds,
   * how long an overdue loan waits after its reminder before it is escalated, and whether an insured person's or
   * employer's request to view their own records is approved at once.
   */
  use: { headLevel: SecurityLevel; grantTtlMs: number; renewalMs: number; loanEscalationMs: number; selfServiceApproval: boolean };
  /** 全文识别: the OCR workers' task queue, how many this machine runs and with how many threads, pages per round, the idle poll (ms). */
  ocr: { taskQueue: string; workers: number; threads: number; batch: number; idleMs: number };
  /** 审计链: how often a signed checkpoint of each chain's head is written (ms). */
  auditCheckpointMs: number;
  /**
   * `url`: what the API and the worker connect as (a role that owns nothing); `ownerUrl`: what migrations, the demo
   * seed, backups and restores connect as (the schema's owner).
   */
  postgres: { url: string; ownerUrl: string; embedded: boolean; port: number };
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    embedded: boolean;
    port: number;
    uiPort: number;
    uiUrl: string | undefined;
    tls: { ca?: string; cert?: string; key?: string; serverName?: string } | undefined;
    apiKey: string | undefined;
  };
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
    embedded: boolean;
    port: number;
    consolePort: number;
    buckets: { images: string; packages: string };
  };
}

export interface LabelSize {
  widthMm: number;
  heightMm: number;
}

function labelSizeOf(text: string): LabelSize {
  const [widthMm, heightMm] = text.split('x').map(Number) as [number, number];
  return { widthMm, heightMm };
}

/** The API's certificate and key, read and checked at start: both files or neither, readable PEM, the key the certificate's. */
function tlsFiles(certPath: string | undefined, keyPath: string | undefined, problems: string[]): Config['api']['tls'] {
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) {
    problems.push('LANTAI_TLS_CERT, LANTAI_TLS_KEY: set both for https, or neither');
    return undefined;
  }
  const read = (name: string, file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
  };
  const cert = read('LANTAI_TLS_CERT', certPath);
  const key = read('LANTAI_TLS_KEY', keyPath);
  if (cert === undefined || key === undefined) return undefined;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    problems.push(`LANTAI_TLS_CERT: ${certPath} is not a PEM certificate`);
    return undefined;
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) {
      problems.push(`LANTAI_TLS_KEY: ${keyPath} is not the private key of the certificate in ${certPath}`);
      return undefined;
    }
  } catch {
    problems.push(`LANTAI_TLS_KEY: ${keyPath} is not a PEM private key (unencrypted PKCS#8, PKCS#1 or SEC1)`);
    return undefined;
  }
  return { certPath: path.resolve(certPath), cert, key };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Lantai cannot start, configuration is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const EMBEDDED_S3_USER = 'lantai';
const EMBEDDED_S3_PASSWORD = 'lantai-minio-secret';

/** Parses the environment once, at start-up; every bad variable is named with what it must be. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(schema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = schema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name}: ${i.message} (got ${JSON.stringify(relevant[name])})`;
      }),
    );
  }
  const c = parsed.data;
  const problems: string[] = [];
  if (c.S3_ENDPOINT && !(c.S3_ACCESS_KEY_ID && c.S3_SECRET_ACCESS_KEY)) {
    problems.push('S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: must be set when S3_ENDPOINT points at an existing S3 store');
  }
  if (Boolean(c.TEMPORAL_TLS_CERT) !== Boolean(c.TEMPORAL_TLS_KEY)) {
    problems.push('TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both for mutual TLS, or neither');
  }
  const tls = tlsFiles(c.LANTAI_TLS_CERT, c.LANTAI_TLS_KEY, problems);
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(c.LANTAI_DATA);
  const tlsWanted = c.TEMPORAL_TLS || Boolean(c.TEMPORAL_TLS_CA ?? c.TEMPORAL_TLS_CERT);
  return {
    dataDir,
    toolsDir: path.resolve(c.LANTAI_TOOLS),
    logLevel: c.LANTAI_LOG_LEVEL,
    api: {
      host: c.LANTAI_API_HOST,
      port: c.LANTAI_API_PORT,
      tokenTtlMinutes: c.LANTAI_TOKEN_TTL_MINUTES,
      metricsToken: c.LANTAI_METRICS_TOKEN,
      tls,
      url:
        c.LANTAI_API_URL ??
        `${tls ? 'https' : 'http'}://${c.LANTAI_API_HOST.includes(':') ? `[${c.LANTAI_API_HOST}]` : c.LANTAI_API_HOST}:${c.LANTAI_API_PORT}`,
    },
    signIn: { maxFailures: c.LANTAI_SIGN_IN_MAX_FAILURES, windowMs: c.LANTAI_SIGN_IN_WINDOW, lockoutMs: c.LANTAI_SIGN_IN_LOCKOUT },
    workerMetrics: c.LANTAI_WORKER_METRICS,
    signingKeyPath: c.LANTAI_SIGNING_KEY ?? path.join(dataDir, 'keys', 'signing-sm2.pem'),
    encryption: { enabled: c.LANTAI_ENCRYPTION, kekDir: path.resolve(c.LANTAI_KEK_DIR ?? path.join(dataDir, 'keys', 'kek')) },
    quality: {
      maxSkewDegrees: c.LANTAI_MAX_SKEW_DEGREES,
      samplingShare: c.LANTAI_SAMPLING_SHARE,
      maxUploadBytes: c.LANTAI_MAX_UPLOAD_MB * 1024 * 1024,
    },
    devices: { workstation: c.LANTAI_WORKSTATION, saneConfigDir: c.LANTAI_SANE_CONFIG_DIR },
    importRoot: path.resolve(c.LANTAI_IMPORT_ROOT ?? path.join(dataDir, 'imports')),
    volumes: {
      cjkFont: c.LANTAI_CJK_FONT,
      itemLabel: labelSizeOf(c.LANTAI_ITEM_LABEL_MM),
      spineLabel: labelSizeOf(c.LANTAI_SPINE_LABEL_MM),
    },
    transfer: {
      encoding: c.LANTAI_TRANSFER_ENCODING,
      retentionPeriods: c.LANTAI_TRANSFER_RETENTION.split(','),
      directoryRoot: path.resolve(c.LANTAI_TRANSFER_ROOT ?? path.join(dataDir, 'transfers')),
    },
    timeZone: c.LANTAI_TIME_ZONE,
    inventory: { cron: c.LANTAI_INVENTORY_CRON, rehashCycle: c.LANTAI_INVENTORY_REHASH_CYCLE },
    permanentLockYears: c.LANTAI_PERMANENT_LOCK_YEARS,
    appraisal: { cron: c.LANTAI_APPRAISAL_CRON, rule: c.LANTAI_APPRAISAL_RULE },
    destruction: { approvalTimeoutMs: c.LANTAI_APPROVAL_TIMEOUT, itemsPerPage: c.LANTAI_DESTRUCTION_PAGE },
    use: {
      headLevel: c.LANTAI_USE_HEAD_LEVEL,
      grantTtlMs: c.LANTAI_USE_GRANT_TTL,
      renewalMs: c.LANTAI_USE_RENEWAL,
      loanEscalationMs: c.LANTAI_LOAN_ESCALATION,
      selfServiceApproval: c.LANTAI_USE_SELF_SERVICE,
    },
    auditCheckpointMs: c.LANTAI_AUDIT_CHECKPOINT,
    ocr: {
      taskQueue: c.LANTAI_OCR_TASK_QUEUE,
      workers: c.LANTAI_OCR_WORKERS,
      threads: c.LANTAI_OCR_THREADS,
      batch: c.LANTAI_OCR_BATCH,
      idleMs: c.LANTAI_OCR_IDLE,
    },
    postgres: {
      url: c.DATABASE_URL ?? `postgresql://${EMBEDDED_APP_ROLE}:${EMBEDDED_APP_ROLE}@127.0.0.1:${c.LANTAI_PG_PORT}/lantai`,
      ownerUrl: c.DATABASE_OWNER_URL ?? c.DATABASE_URL ?? `postgresql://lantai:lantai@127.0.0.1:${c.LANTAI_PG_PORT}/lantai`,
      embedded: !c.DATABASE_URL,
      port: c.LANTAI_PG_PORT,
    },
    temporal: {
      address: c.TEMPORAL_ADDRESS ?? `127.0.0.1:${c.LANTAI_TEMPORAL_PORT}`,
      namespace: c.TEMPORAL_NAMESPACE,
      taskQueue: c.TEMPORAL_TASK_QUEUE,
      embedded: !c.TEMPORAL_ADDRESS,
      port: c.LANTAI_TEMPORAL_PORT,
      uiPort: c.LANTAI_TEMPORAL_UI_PORT,
      uiUrl: c.TEMPORAL_UI_URL ?? (c.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${c.LANTAI_TEMPORAL_UI_PORT}`),
      tls: tlsWanted
        ? { ca: c.TEMPORAL_TLS_CA, cert: c.TEMPORAL_TLS_CERT, key: c.TEMPORAL_TLS_KEY, serverName: c.TEMPORAL_TLS_SERVER_NAME }
        : undefined,
      apiKey: c.TEMPORAL_API_KEY,
    },
    s3: {
      endpoint: c.S3_ENDPOINT ?? `http://127.0.0.1:${c.LANTAI_MINIO_PORT}`,
      region: c.S3_REGION,
      accessKeyId: c.S3_ACCESS_KEY_ID ?? EMBEDDED_S3_USER,
      secretAccessKey: c.S3_SECRET_ACCESS_KEY ?? EMBEDDED_S3_PASSWORD,
      forcePathStyle: c.S3_FORCE_PATH_STYLE,
      embedded: !c.S3_ENDPOINT,
      port: c.LANTAI_MINIO_PORT,
      consolePort: c.LANTAI_MINIO_CONSOLE_PORT,
      buckets: { images: `${c.S3_BUCKET_PREFIX}images`, packages: `${c.S3_BUCKET_PREFIX}packages` },
    },
  };
}

/** For entry points: load the configuration or print the problem and exit non-zero. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
