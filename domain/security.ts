/** 密级, lowest first: 公开, 内部, 秘密, 机密, 绝密. */
export const SECURITY_LEVELS = ['public', 'internal', 'secret', 'confidential', 'top_secret'] as const;
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

/** The levels a holder of `clearance` may read: every level at or below it. */
export function levelsWithin(clearance: SecurityLevel): SecurityLevel[] {
  return SECURITY_LEVELS.slice(0, SECURITY_LEVELS.indexOf(clearance) + 1);
}

export function isCleared(clearance: SecurityLevel, level: SecurityLevel): boolean {
  return SECURITY_LEVELS.indexOf(clearance) >= SECURITY_LEVELS.indexOf(level);
}

/** The printed name of each level, as catalogues and transfer packages write it. */
export const SECURITY_LEVEL_LABELS: Record<SecurityLevel, string> = {
  public: '公开',
  internal: '内部',
  secret: '秘密',
  confidential: '机密',
  top_secret: '绝密',
};
