import { DEPARTMENTS, loadConfig } from '../../platform/config.ts';
import { createProgress } from '../../platform/progress.ts';
import { openDepartmentStore } from '../../subgraphs/kit/open-store.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import { checkRecords, type RecordFinding } from '../../anchor/log/check-records.ts';
import { checkCredentialLeaves } from '../../subgraphs/kit/credentials/check-credential-leaves.ts';
import { CREDENTIAL_RECORDED_TABLES } from '../../subgraphs/kit/credentials/migrations.ts';
import { auditLog, type LogFinding } from '../../anchor/log/audit-log.ts';
import { GATEWAY_AUDIT_LOG } from '../../anchor/log/open-log-database.ts';
import { AUDIT_TABLES } from '../../gateway/audit/audit-entry.ts';
import { openAuditTrail } from '../../gateway/audit/open-audit-trail.ts';
import { createAnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { contractAddresses, ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';

const departments = { education, finance, justice } as Record<(typeof DEPARTMENTS)[number], Department<unknown>>;

interface DepartmentReport {
  department: string;
  records: number;
  leaves: number;
  anchoredCheckpoints: number;
  findings: (RecordFinding | LogFinding)[];
}

/**
 * `govshare audit [--json]`: every record of every department re-hashed and
 * checked against its log, every log checked against the checkpoints anchored
 * on the ledger. Exit 0 when intact, 1 with each finding named.
 */
export async function auditCommand(options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const endpoint = ledgerEndpoint(config);
  const anchor = createAnchorClient({ ...endpoint, contract: contractAddresses(endpoint, config.dataDir).Anchor });
  const reports: DepartmentReport[] = [];
  try {
    // Every department's records and log, then the gateway's audit trail (a log of its own).
    const logs = [
      ...DEPARTMENTS.map((name) => ({
        name,
        logId: name as string,
        tables: departments[name].recordedTables,
        open: async () => (await openDepartmentStore(departments[name], config)).db,
      })),
      // The gateway's audit trail: its entries and releases are records like any department's.
      { name: 'gateway', logId: GATEWAY_AUDIT_LOG.logId, tables: AUDIT_TABLES as readonly string[], open: () => openAuditTrail(config) },
    ];
    for (const { name, logId, tables, open } of logs) {
      const db = await open();
      try {
        const [count] = await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM record_log');
        const progress = createProgress(`auditing ${name}`, (count?.n ?? 0) * 2);
        const records = await checkRecords(db, tables, (done) => progress.update(done));
        // A department that issues credentials: each credential leaf against its issued_credentials row.
        const credentials = CREDENTIAL_RECORDED_TABLES.every((t) => tables.includes(t)) ? await checkCredentialLeaves(db) : [];
        const log = await auditLog(db, logId, anchor, (leaves) => progress.update(records.checked + leaves));
        progress.finish();
        reports.push({ department: name, records: records.checked, leaves: log.leaves, anchoredCheckpoints: log.anchoredCheckpoints, findings: [...records.findings, ...credentials, ...log.findings] });
      } finally {
        await db.close();
      }
    }
  } finally {
    anchor.close();
  }
  const intact = reports.every((r) => r.findings.length === 0);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ intact, departments: reports }, null, 2)}\n`);
  } else {
    for (const r of reports) {
      process.stdout.write(`${r.department}: ${r.records} records, ${r.leaves} leaves, ${r.anchoredCheckpoints} anchored checkpoints: ${r.findings.length ? `${r.findings.length} problem(s)` : 'intact'}\n`);
      for (const f of r.findings) {
        const what = 'table' in f && f.table ? `${f.table} ${f.id}` : '';
        process.stdout.write(`  ${f.problem} ${what}${'detail' in f ? ` — ${f.detail}` : ''}\n`);
      }
    }
    process.stdout.write(intact ? 'audit: intact\n' : 'audit: TAMPERING OR LOSS FOUND\n');
  }
  if (!intact) process.exitCode = 1;
}
