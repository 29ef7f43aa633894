import { createHash } from 'node:crypto';

/**
 * 审计链: the SM3 chain over the audit trail and the lifecycle history. Each link holds the digest of its entry's
 * content and a digest of the link before, its kind, the entry's id and that content digest; changing, removing or
 * slipping in an entry, or rewriting a link, breaks what follows.
 */
export const CHAIN_KINDS = ['audit_event', 'lifecycle_event'] as const;
export type ChainKind = (typeof CHAIN_KINDS)[number];
export const GENESIS = '0'.repeat(64);

export const sm3 = (text: string) => createHash('sm3').update(text, 'utf8').digest('hex');

export function linkDigest(previous: string, kind: ChainKind, entryId: bigint | string, contentSm3: string): string {
  return sm3(`lantai-chain/1\n${previous}\n${kind}\n${entryId}\n${contentSm3}`);
}

/** The text a checkpoint's SM2 signature covers. */
export function checkpointStatement(c: {
  kind: ChainKind;
  seq: bigint | string;
  entryId: bigint | string;
  chainSm3: string;
  at: string;
}): string {
  return ['lantai-chain-checkpoint/1', c.kind, String(c.seq), String(c.entryId), c.chainSm3, c.at].join('\n');
}

export type ChainProblemKind =
  'edited' | 'deleted' | 'inserted' | 'back_dated' | 'link_altered' | 'checkpoint_mismatch' | 'checkpoint_unsigned' | 'checkpoint_missing';

export interface ChainProblem {
  kind: ChainKind;
  problem: ChainProblemKind;
  /** The entry (audit_event or lifecycle_event id) the problem is at. */
  entryId: string;
  /** Its place in the chain, for problems of a linked entry. */
  seq?: string;
  detail: string;
}

export const PROBLEM_LABELS: Record<ChainProblemKind, string> = {
  edited: '内容被修改',
  deleted: '记录被删除',
  inserted: '链外插入的记录',
  back_dated: '倒签日期的记录',
  link_altered: '链接被改写',
  checkpoint_mismatch: '与签名检查点不符',
  checkpoint_unsigned: '检查点签名无效',
  checkpoint_missing: '检查点缺失',
};

export const CHAIN_LABELS: Record<ChainKind, string> = {
  audit_event: '审计日志',
  lifecycle_event: '生命周期记录',
};
