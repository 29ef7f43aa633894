import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { audit } from '../api/audit';
import { activeHolds, describeHold } from '../catalogue/holds';
import type { Config } from '../config';
import { destructionCertificateToPdf, destructionListToPdf, loadCjkFont, type DestructionLine } from '../documents';
import { isApproved, isRejected, type DestructionApproval } from '../domain/destruction';
import type { Db, Prisma } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import type { MoveActivities } from './moves';
import type { StoredDocument } from './volume';
import { eachInFlight } from '../domain/in-flight';
import { versionsOfPages } from '../catalogue/object-locks';

export interface DestructionDeps {
  db: Db;
  store: ObjectStore;
  config: Config;
  log: Logger;
  moves: MoveActivities;
}

export type HoldCheckStage = 'proposal' | 'approval' | 'execution';

export interface DestructionOutcome {
  destroyed: number;
  failed: number;
  removed: number;
}

// Items destroyed at once: each is a few S3 calls and one lifecycle Update.
const ITEMS_IN_FLIGHT = 16;
const PAGE = 200;
// A deletion that keeps failing for a reason other than Object Lock is reported after this many tries, not retried for ever.
const MAX_ATTEMPTS = 5;

export function createDestructionActivities({ db, store, config, log, moves }: DestructionDeps) {
  /** Takes held items (冻结) off the list, recording the hold as the reason. */
  async function removeHeldItems({ listId, stage }: { listId: string; stage: HoldCheckStage }): Promise<{ removed: number; listed: number }> {
    const listed = await db.destructionEntry.findMany({ where: { listId, status: 'listed' }, select: { itemId: true } });
    const holds = await activeHolds(db, listed.map((e) => e.itemId));
    for (const hold of holds.values()) {
      await db.destructionEntry.update({ where: { listId_itemId: { listId, itemId: hold.itemId } }, data: { status: 'removed', reason: `held at ${stage}: ${describeHold(hold)}` } });
    }
    if (holds.size) log.info({ listId, stage, removed: holds.size }, 'held items taken off the destruction list');
    return { removed: holds.size, listed: listed.length - holds.size };
  }

  async function destroyItem(listId: string, itemId: string, actor: string): Promise<'destroyed' | 'failed' | 'removed'> {
    const hold = (await activeHolds(db, [itemId])).get(itemId);
    if (hold) {
      await db.destructionEntry.update({ where: { listId_itemId: { listId, itemId } }, data: { status: 'removed', reason: `held at execution: ${describeHold(hold)}` } });
      return 'removed';
    }
    const entry = await db.destructionEntry.update({ where: { listId_itemId: { listId, itemId } }, data: { attempts: { increment: 1 } } });
    const pages = await db.page.findMany({ where: { itemId }, orderBy: [{ pageNumber: 'asc' }, { createdAt: 'asc' }] });
    try {
      // Delete markers too: nothing of the item may stay behind in the store.
      const versions = await versionsOfPages(store, pages, { deleteMarkers: true });
      // Every version is checked before any is deleted, so an Object Lock never leaves an item half destroyed.
      const locked = [];
      for (const v of versions) {
        if (v.deleteMarker) continue;
        const lock = await store.lockOf(v);
        if (lock) locked.push(`${v.key} version ${v.versionId} (${lock.legalHold ? 'legal hold' : `${lock.mode} retention until ${lock.retainUntil?.toISOString()}`})`);
      }
      if (locked.length) return fail(listId, itemId, `Object Lock protects ${locked.length} stored version(s): ${locked.slice(0, 3).join('; ')}`);
      for (const v of versions) await store.deleteVersion(v);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if ((err as Error).name === 'ObjectLockedError' || entry.attempts >= MAX_ATTEMPTS) return fail(listId, itemId, `deletion failed after ${entry.attempts} attempt(s): ${message}`);
      throw err;
    }
    await leaveTombstone(listId, itemId, pages);
    try {
      await moves.moveItem({ itemId, to: 'destroyed', actor, reason: `destruction list ${listId}` });
    } catch (err) {
      if ((err as Error & { type?: string }).type !== 'TransitionNotAllowed') throw err;
      return fail(listId, itemId, `its objects are deleted, but its lifecycle refused the move: ${(err as Error).message}`);
    }
    await db.destructionEntry.update({ where: { listId_itemId: { listId, itemId } }, data: { status: 'destroyed', destroyedAt: new Date(), reason: null } });
    return 'destroyed';
  }

  async function leaveTombstone(listId: string, itemId: string, pages: { bucket: string; key: string; versionId: string | null; size: bigint; sha256: string; sm3: string; pageNumber: number; supersededAt: Date | null }[]) {
    if (await db.itemTombstone.findUnique({ where: { itemId } })) return;
    const item = await db.item.findUniqueOrThrow({ where: { id: itemId }, include: { businessType: true, handlingOffice: true, box: true } });
    const metadata = {
      archivalCode: item.archivalCode, itemNumber: item.itemNumber, title: item.title, year: item.year, retentionPeriod: item.retentionPeriod,
      securityLevel: item.securityLevel, caseNumber: item.caseNumber, citizenId: item.citizenId, personName: item.personName,
      employerName: item.employerName, employerCreditCode: item.employerCreditCode, clerkName: item.clerkName,
      handledOn: item.handledOn.toISOString().slice(0, 10), businessType: item.businessType.code, handlingOffice: item.handlingOffice.code,
      box: item.box?.barcode ?? null, pageCount: pages.filter((p) => p.supersededAt === null).length,
    };
    const objects = pages.map((p) => ({ pageNumber: p.pageNumber, bucket: p.bucket, key: p.key, versionId: p.versionId, size: Number(p.size), sha256: p.sha256, sm3: p.sm3 }));
    await db.$transaction([
      db.itemTombstone.create({ data: { itemId, listId, archivalCode: item.archivalCode, metadata, objects } }),
      db.page.updateMany({ where: { itemId }, data: { destroyedAt: new Date() } }),
    ]);
  }

  async function fail(listId: string, itemId: string, reason: string): Promise<'failed'> {
    const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId } });
    const item = await db.item.findUniqueOrThrow({ where: { id: itemId } });
    await db.$transaction([
      db.destructionEntry.update({ where: { listId_itemId: { listId, itemId } }, data: { status: 'failed', reason } }),
      db.archivistTask.create({ data: { fondsId: list.fondsId, kind: 'destruction_failed', itemId, source: `destruction_list:${listId}`, title: `Destruction of ${item.archivalCode ?? item.caseNumber} failed`, detail: reason } }),
    ]);
    log.warn({ listId, itemId, reason }, 'item not destroyed');
    return 'failed';
  }

  return {
    removeHeldItems,

    /** Records one approval or rejection on the list; the list is approved once the head and both witnesses agree. */
    async recordApproval({ listId, approval }: { listId: string; approval: DestructionApproval }): Promise<void> {
      const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId } });
      const approvals = list.approvals as unknown as DestructionApproval[];
      if (approvals.some((a) => a.username === approval.username)) return;
      const next = [...approvals, approval];
      const status = isRejected(next) ? 'rejected' : isApproved(next) ? 'approved' : 'proposed';
      await db.destructionList.update({ where: { id: listId }, data: { approvals: next as unknown as Prisma.InputJsonValue, status } });
      await audit(db, { actor: approval.username, action: `destruction_${approval.decision}`, subject: `destruction_list:${listId}`, outcome: 'done', reason: approval.comment ?? undefined, details: { role: approval.role } });
    },

    /** An approval waited too long: the archive manager gets a task and the audit trail says who is awaited. */
    async escalateApproval({ listId, escalation, waitingFor }: { listId: string; escalation: number; waitingFor: string[] }): Promise<void> {
      const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId } });
      if (list.escalations >= escalation) return;
      const detail = `destruction list ${listId} still waits for ${waitingFor.join(', ')} (escalation ${escalation})`;
      await db.$transaction([
        db.destructionList.update({ where: { id: listId }, data: { escalations: escalation } }),
        db.archivistTask.create({ data: { fondsId: list.fondsId, kind: 'approval_overdue', source: `destruction_list:${listId}`, title: `Destruction list waits for approval`, detail } }),
      ]);
      await audit(db, { actor: 'lantai', action: 'destruction_approval_escalated', subject: `destruction_list:${listId}`, outcome: 'done', reason: detail });
      log.warn({ listId, escalation, waitingFor }, 'destruction approval overdue, escalated');
    },

    /**
     * Destroys the items still listed, page by page: each item's stored versions are all deleted, unless Object
     * Lock protects one, then its tombstone is written and it becomes `destroyed`. Only entries of this list are
     * ever touched, and a retry skips what is done.
     */
    async destroyListedItems({ listId, actor }: { listId: string; actor: string }): Promise<DestructionOutcome> {
      const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId } });
      if (list.status !== 'approved' && list.status !== 'executing') throw ApplicationFailure.nonRetryable(`destruction list ${listId} is ${list.status}, not approved`, 'DestructionNotApproved');
      await db.destructionList.update({ where: { id: listId }, data: { status: 'executing' } });
      const tally = { destroyed: 0, failed: 0, removed: 0 };
      for (;;) {
        const entries = await db.destructionEntry.findMany({ where: { listId, status: 'listed' }, orderBy: { itemId: 'asc' }, take: PAGE, select: { itemId: true } });
        if (entries.length === 0) break;
        await eachInFlight(entries, ITEMS_IN_FLIGHT, async ({ itemId }) => {
          // A worker shutting down cancels the activity: stop between items, and another worker carries on.
          Context.current().cancellationSignal.throwIfAborted();
          tally[await destroyItem(listId, itemId, actor)] += 1;
          Context.current().heartbeat(tally);
        });
      }
      return tally;
    },

    /** The destruction list (销毁清册) and certificate (销毁证明) as PDF, kept under an Object Lock legal hold: permanently. */
    async produceDestructionDocuments({ listId }: { listId: string }): Promise<StoredDocument[]> {
      const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId }, include: { fonds: true, entries: true } });
      const items = await db.item.findMany({ where: { id: { in: list.entries.map((e) => e.itemId) } }, include: { pages: true }, orderBy: [{ archivalCode: 'asc' }] });
      const reasons = await appraisalReasons(list.batchId);
      const entryOf = new Map(list.entries.map((e) => [e.itemId, e]));
      const lines: DestructionLine[] = items.map((item) => {
        const entry = entryOf.get(item.id)!;
        return {
          archivalCode: item.archivalCode, title: item.title, year: item.year, retentionPeriod: item.retentionPeriod,
          pages: item.pages.filter((p) => p.supersededAt === null).length, bytes: item.pages.reduce((n, p) => n + Number(p.size), 0),
          appraisalReason: reasons.get(item.id) ?? '', status: entry.status, note: entry.reason,
        };
      });
      const executedAt = list.executedAt ?? new Date();
      const document = {
        listId, fondsCode: list.fonds.code, fondsName: list.fonds.name, batchId: list.batchId, proposedBy: list.proposedBy,
        method: list.method, place: list.place, date: chinaDate(executedAt), lines,
        approvals: (list.approvals as unknown as DestructionApproval[]).map((a) => ({ ...a, name: a.displayName })),
      };
      const font = loadCjkFont(config.volumes.cjkFont);
      const made: [string, Promise<Buffer>][] = [
        ['destruction-list.pdf', destructionListToPdf(document, font)],
        ['destruction-certificate.pdf', destructionCertificateToPdf({ ...document, executedAt: executedAt.toISOString() }, font)],
      ];
      const documents: StoredDocument[] = [];
      for (const [name, rendering] of made) {
        const stored = await store.put({ bucket: config.s3.buckets.packages, key: destructionDocumentKey(listId, name), body: await rendering, contentType: 'application/pdf', legalHold: true });
        documents.push({ name, bucket: stored.bucket, key: stored.key, size: stored.size, sha256: stored.sha256, contentType: 'application/pdf' });
      }
      await db.destructionList.update({ where: { id: listId }, data: { documents: documents as unknown as Prisma.InputJsonValue, executedAt } });
      return documents;
    },

    async finishDestruction({ listId }: { listId: string }): Promise<DestructionOutcome> {
      const counts = await db.destructionEntry.groupBy({ by: ['status'], where: { listId }, _count: true });
      const count = (status: string) => counts.find((c) => c.status === status)?._count ?? 0;
      const outcome = { destroyed: count('destroyed'), failed: count('failed'), removed: count('removed') };
      await db.destructionList.update({ where: { id: listId }, data: { status: outcome.failed ? 'executed_with_failures' : 'executed' } });
      await audit(db, { actor: 'lantai', action: 'destruction_executed', subject: `destruction_list:${listId}`, outcome: outcome.failed ? 'failed' : 'done', details: outcome });
      return outcome;
    },
  };

  async function appraisalReasons(batchId: string): Promise<Map<string, string>> {
    const decisions = await db.appraisalDecision.findMany({ where: { batchId, decision: 'destroy' }, orderBy: { id: 'asc' } });
    const reasons = new Map<string, string>();
    for (const d of decisions) reasons.set(d.itemId, reasons.has(d.itemId) ? `${reasons.get(d.itemId)}; ${d.reason}` : d.reason);
    return reasons;
  }
}

/** The calendar day in China Standard Time (UTC+8), whatever the server's time zone. */
function chinaDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

export const destructionDocumentKey = (listId: string, name: string) => `destruction/${listId}/${name}`;
