import os from 'node:os';
import { audit } from '../catalogue/audit';
import { loadConfigOrExit } from '../config';
import { CHAIN_LABELS, PROBLEM_LABELS, type ChainProblem } from '../domain/audit-chain';
import { isDone, linksChecked, linksTotal, problemCount } from '../domain/chain-check';
import { verifyChains } from '../integrity/chain-check';
import { createDb } from '../prisma/client';
import { createObjectStore } from '../store/object-store';
import { servicesForCommand } from './backup-services';

/**
 * `./lantai verify-audit`: the 审计链 checked whole from the command line, with the configured catalogue and store
 * (a stopped Lantai's embedded ones are started for it): both chains, link by link, and every signed checkpoint in
 * the store. Prints what it found in plain words; exits 0 when intact, 1 when broken, 3 when it could not check.
 */

const say = (line: string) => process.stdout.write(`${line}\n`);
const chainName = (kind: ChainProblem['kind']) => `${CHAIN_LABELS[kind]} (${kind})`;
const described = (p: ChainProblem) =>
  `${chainName(p.kind)} 记录 ${p.entryId}${p.seq ? `（链接 ${p.seq}）` : ''}: ${PROBLEM_LABELS[p.problem]} (${p.problem}) — ${p.detail}`;

async function main(): Promise<number> {
  if (process.argv.length > 2) {
    process.stderr.write('usage: ./lantai verify-audit\n');
    return 2;
  }
  const config = loadConfigOrExit();
  const services = await servicesForCommand(config, { whileRunning: 'use' });
  const db = createDb(config.postgres.url, { poolSize: 2 });
  try {
    const started = performance.now();
    say('审计链检查 (audit chain check): 审计日志与生命周期记录逐条核对，并核对存储中的 SM2 签名检查点');
    const state = await verifyChains({ db, store: createObjectStore(config.s3), bucket: config.s3.buckets.packages }, (s) => {
      if (!isDone(s)) process.stderr.write(`  已检查 ${linksChecked(s)} / ${linksTotal(s)} 条链接 (links checked)\n`);
    });
    for (const c of state.chains) say(`${chainName(c.kind)}: 已检查 ${c.links} 条链接, ${c.checkpoints} 个检查点, ${c.problems} 个问题`);
    const problems = problemCount(state);
    const seconds = Math.round(performance.now() - started) / 1000;
    if (problems === 0) say(`结果: 完好 (intact), 用时 ${seconds} 秒`);
    else {
      say(`结果: 已损坏 (broken), 共 ${problems} 个问题, 用时 ${seconds} 秒`);
      say(`第一处损坏 (first broken entry): ${described(state.problems[0]!)}`);
      say(`问题 (problems${state.problems.length < problems ? `, 列出前 ${state.problems.length} 个` : ''}):`);
      for (const p of state.problems) say(`  - ${described(p)}`);
    }
    await audit(db, {
      actor: `verify-audit:${os.userInfo().username}`,
      action: 'audit_chain.verify',
      subject: 'audit_chain',
      outcome: 'done',
      details: { intact: problems === 0, links: linksChecked(state), problems },
    });
    return problems === 0 ? 0 : 1;
  } finally {
    await db.$disconnect();
    await services.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[lantai verify-audit] 无法完成检查 (the check could not run): ${err.message}`);
    process.exit(3);
  },
);
