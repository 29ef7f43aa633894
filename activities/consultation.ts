import type { Logger } from 'pino';
import { audit } from '../catalogue/audit';
import {
  closeConsultation,
  endConsultationAccess,
  extendConsultation,
  flagOverdueLoans,
  grantConsultation,
  recordLoans,
  recordReturn,
  refuseConsultation,
} from '../catalogue/consultations';
import type { Db } from '../prisma/client';

export interface ConsultationDeps {
  db: Db;
  log: Logger;
}

const subject = (consultationId: string) => `consultation:${consultationId}`;

/** The consultation step's records: approvals and their grants, renewals, the end of access, loans and returns. */
export function createConsultationActivities({ db, log }: ConsultationDeps) {
  return {
    async grantAccess(g: { consultationId: string; decidedBy: string; decidedById: string; expiresAt: string }): Promise<void> {
      await grantConsultation(db, { ...g, expiresAt: new Date(g.expiresAt), reason: `利用申请 ${g.consultationId} 已批准` });
      await audit(db, {
        actorId: g.decidedById,
        actor: g.decidedBy,
        action: 'approve_use',
        subject: subject(g.consultationId),
        outcome: 'done',
        details: { expiresAt: g.expiresAt },
      });
    },

    async refuseConsultation(r: { consultationId: string; decidedBy: string; reason: string }): Promise<void> {
      await refuseConsultation(db, r);
      await audit(db, { actor: r.decidedBy, action: 'refuse_use', subject: subject(r.consultationId), outcome: 'done', reason: r.reason });
    },

    async extendAccess(e: { consultationId: string; expiresAt: string; actor: string }): Promise<void> {
      await extendConsultation(db, e.consultationId, new Date(e.expiresAt));
      await audit(db, {
        actor: e.actor,
        action: 'renew_use',
        subject: subject(e.consultationId),
        outcome: 'done',
        details: { expiresAt: e.expiresAt },
      });
    },

    /** The time limit ran out: no grant of the request runs on, whatever a later clock says. */
    async endAccess({ consultationId }: { consultationId: string }): Promise<void> {
      await endConsultationAccess(db, consultationId);
      await audit(db, { actor: 'system', action: 'end_use', subject: subject(consultationId), outcome: 'done' });
    },

    async closeConsultation({ consultationId }: { consultationId: string }): Promise<void> {
      await closeConsultation(db, consultationId);
    },

    async recordLoans(l: { consultationId: string; itemIds: string[]; actor: string; dueAt: string }): Promise<void> {
      await recordLoans(db, { ...l, dueAt: new Date(l.dueAt) });
      await audit(db, {
        actor: l.actor,
        action: 'lend',
        subject: subject(l.consultationId),
        outcome: 'done',
        details: { items: l.itemIds },
      });
    },

    async recordReturn(r: { consultationId: string; itemId: string; actor: string; condition: string }): Promise<void> {
      await recordReturn(db, r);
      await audit(db, {
        actor: r.actor,
        action: 'return_paper',
        subject: subject(r.consultationId),
        outcome: 'done',
        details: { item: r.itemId, condition: r.condition },
      });
    },

    /** Overdue (逾期未还): a task for the archivists of each item's fonds to ask for the paper back. */
    async remindOverdueLoans(o: { consultationId: string; itemIds: string[] }): Promise<void> {
      const n = await flagOverdueLoans(db, {
        ...o,
        stage: 'reminded',
        title: (code) => `借阅逾期未还：${code}`,
        detail: '借阅已到期，请催还并当面清点归还。',
      });
      await audit(db, {
        actor: 'system',
        action: 'remind_overdue_loan',
        subject: subject(o.consultationId),
        outcome: 'done',
        details: { items: o.itemIds },
      });
      log.info({ consultationId: o.consultationId, items: n }, 'overdue loans reminded');
    },

    /** Still not back after the reminder: the archive manager is told. */
    async escalateOverdueLoans(o: { consultationId: string; itemIds: string[] }): Promise<void> {
      const n = await flagOverdueLoans(db, {
        ...o,
        stage: 'escalated',
        title: (code) => `借阅逾期催还无果，报档案部门负责人：${code}`,
        detail: '催还后仍未归还，请档案部门负责人处理。',
      });
      await audit(db, {
        actor: 'system',
        action: 'escalate_overdue_loan',
        subject: subject(o.consultationId),
        outcome: 'done',
        details: { items: o.itemIds },
      });
      log.warn({ consultationId: o.consultationId, items: n }, 'overdue loans escalated to the archive manager');
    },
  };
}
