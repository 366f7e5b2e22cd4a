import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../gateway/audit/audit-entry.ts';
import { startAuditTrailThread, type AuditTrailThread } from '../../gateway/audit/audit-trail-thread.ts';
import { openAuditTrail } from '../../gateway/audit/open-audit-trail.ts';
import { readAccessLog } from '../../gateway/audit/read-access-log.ts';
import { createLogger } from '../../platform/log.ts';
import { pgliteTemplate } from '../support/storage.ts';

/**
 * `govshare serve gateway` runs its audit trail in a worker thread (gateway/audit/
 * audit-trail-thread.ts). The contract is the in-thread writer's: a record resolves once its
 * entry is committed with its log rows, failures cross with AUDIT_UNAVAILABLE, closing commits
 * everything handed in first, and the access log reads through the thread.
 */
const CITIZEN = 'did:ethr:0x539:0x00000000000000000000000000000000000a11ce';
const AGENCY = 'did:ethr:0x539:0x00000000000000000000000000000000000a6e7c';
const logger = createLogger('test', 'silent');

const entry = (n: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date(Date.UTC(2026, 11, 7, 12, 0, 0, n)),
  requestId: `req-${n}`,
  agencyDid: AGENCY,
  purpose: 'audit',
  decision: 'granted',
  code: null,
  operationName: 'Citizen',
  operationHash: 'a'.repeat(64),
  requestHash: 'b'.repeat(64),
  responseHash: 'c'.repeat(64),
  agreements: [{ id: 1, categories: ['finance.tax'], legalBasis: 'statute' }],
  subgraphs: ['finance'],
  deniedPaths: [],
  releases: n % 2 ? [{ citizen: CITIZEN, fields: ['Citizen.taxClearance'], categories: ['finance.tax'], consent: null }] : [],
  ...overrides,
});

describe('the audit trail in its own thread', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-audit-thread-'));
  const config = { dataDir, ...pgliteTemplate(), ledgerPort: 0, checkpointSeconds: 5, checkpointLeaves: 1_000 };
  let thread: AuditTrailThread;

  beforeAll(async () => {
    thread = await startAuditTrailThread({ config, anchor: false, logger });
  });
  afterAll(async () => {
    await thread?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('commits concurrent entries with their log rows and answers each with its own id', async () => {
    const ids = await Promise.all(Array.from({ length: 40 }, (_, n) => thread.writer.record(entry(n))));
    expect(new Set(ids.map((r) => r.id)).size).toBe(40);
    const rows = await thread.db.query<{ id: string; request_id: string }>("SELECT id, request_id FROM audit_entries WHERE request_id LIKE 'req-%'");
    expect(new Map(rows.map((r) => [r.request_id, r.id]))).toEqual(new Map(ids.map((r, n) => [`req-${n}`, r.id])));
    // Every entry and every release is in the Merkle log's outbox, committed with it.
    const logged = await thread.db.query<{ n: number }>("SELECT count(*)::int AS n FROM record_log WHERE record_table IN ('audit_entries', 'audit_releases')");
    expect(logged).toEqual([{ n: 40 + 20 }]);
    expect(thread.writer.pending).toBe(0);
    thread.check();
  });

  it('reads a citizen\'s access log through the thread', async () => {
    const accesses = await readAccessLog(thread.db, CITIZEN, { limit: 500 });
    expect(accesses).toHaveLength(20);
    expect(accesses[0]).toMatchObject({ agency: AGENCY, purpose: 'audit', fields: ['Citizen.taxClearance'] });
    await expect(thread.db.exec('DELETE FROM audit_entries')).rejects.toThrow(/only answers reads/);
    await expect(thread.db.query('SELECT nonsense FROM nowhere')).rejects.toMatchObject({ code: '42P01' });
  });

  it('refuses a batch the database refuses with AUDIT_UNAVAILABLE, and goes on recording', async () => {
    await expect(thread.writer.record(entry(100, { decision: 'bogus' as never }))).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    await expect(thread.writer.record(entry(101))).resolves.toMatchObject({ id: expect.any(String) });
  });

  it('refuses to start on a data dir another trail holds, saying why', async () => {
    await expect(startAuditTrailThread({ config, anchor: false, logger })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
  });

  it('refuses every waiting and later entry with AUDIT_UNAVAILABLE when its thread dies', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-audit-thread-'));
    try {
      const dying = await startAuditTrailThread({ config: { ...config, dataDir: other }, anchor: false, logger });
      // Ended in the same turn, before the entry can even cross: it can only be refused.
      const waiting = dying.writer.record(entry(400));
      await dying.worker.terminate();
      await expect(waiting).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
      await expect(dying.writer.record(entry(401))).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
      await expect(dying.db.query('SELECT 1')).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
      expect(() => dying.check()).toThrow(/unavailable/);
      await dying.close();
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('commits everything handed in before it closes, then refuses', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-audit-thread-'));
    try {
      const closing = await startAuditTrailThread({ config: { ...config, dataDir: other }, anchor: false, logger });
      const recorded = Array.from({ length: 10 }, (_, n) => closing.writer.record(entry(200 + n)));
      await closing.close();
      expect(await Promise.all(recorded)).toHaveLength(10);
      await expect(closing.writer.record(entry(300))).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
      expect(() => closing.check()).toThrow(/unavailable/);
      const db = await openAuditTrail({ dataDir: other, ...pgliteTemplate() });
      try {
        expect(await db.query("SELECT count(*)::int AS n FROM audit_entries WHERE request_id LIKE 'req-2%'")).toEqual([{ n: 10 }]);
      } finally {
        await db.close();
      }
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
