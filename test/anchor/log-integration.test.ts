import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KEY_NAMES, openKeystore } from '../../anchor/keys/keystore.ts';
import { createAnchorClient, logIdFor } from '../../anchor/ledger/anchor-client.ts';
import { contractInterface } from '../../anchor/ledger/artifacts.ts';
import { createDidResolver, identityAddress, rotateKey } from '../../anchor/ledger/did.ts';
import { ensureContracts } from '../../anchor/ledger/deploy.ts';
import { spawnEmbeddedLedger, type LedgerProcess } from '../../anchor/ledger/embedded-process.ts';
import { embeddedDeployer } from '../../anchor/ledger/seed.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { signCheckpoint, verifyCheckpointSignature } from '../../anchor/log/checkpoint-signature.ts';
import { loadRecordProofs, type RecordProof } from '../../anchor/log/proof.ts';
import { logRecord } from '../../anchor/log/log-record.ts';
import { startLogWorker } from '../../anchor/log/log-worker.ts';
import { GATEWAY_AUDIT_LOG } from '../../anchor/log/open-log-database.ts';
import { recordDigest } from '../../anchor/log/record-digest.ts';
import { verifyProofBundle } from '../../anchor/log/verify-bundle.ts';
import { leafHash, verifyInclusion } from '../../anchor/merkle.ts';
import { openAuditTrail } from '../../gateway/audit/open-audit-trail.ts';
import { createLogger } from '../../platform/log.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { gql } from '../support/graphql.ts';
import { freePort, runCli } from '../support/processes.ts';
import { CHEAP_SCRYPT, TEST_PASSPHRASE } from './ledger-fixture.ts';

/**
 * Issue 4 end to end on one department: records → outbox → Merkle log →
 * signed checkpoint → Anchor contract; proofs checked by a plain ethers call;
 * the ledger stopped and restarted mid-run; a department key rotated; the
 * chain scanned for personal data; a row altered by SQL named by `govshare audit`.
 */
const PROOF = 'proof { status logId table salt digest leafIndex treeSize auditPath checkpoint { logId treeSize root signed signer anchor { chainId contract txHash blockNumber blockTime } } }';
const CREATE_BUDGET = `mutation($input: CreateBudgetInput!) { createBudget(input: $input) { budget { id title ${PROOF} } } }`;

const failedChecks = (verdict: { checks: { ok: boolean }[] }) => verdict.checks.filter((c) => !c.ok);

describe('department log anchored on the ledger', () => {
  let dataDir: string;
  let ledgerPort: number;
  let ledger: LedgerProcess;
  let server: SubgraphServer<any>;
  let rpcUrl: string;
  let year = 2030;
  const logger = createLogger('test', 'silent');

  const createBudget = async (title: string) => {
    const response = await gql(server.graphqlUrl, CREATE_BUDGET, {
      input: { fiscalYear: year++, department: 'transport', title, total: { minorUnits: 123_456_789_00, currency: 'CNY' } },
    });
    expect(response.errors).toBeUndefined();
    return response.data!.createBudget.budget as { id: string; title: string; proof: RecordProof };
  };
  const budgetProof = async (id: string) =>
    (await gql(server.graphqlUrl, `query($id: ID!) { budget(id: $id) { ${PROOF} } }`, { id })).data!.budget.proof as RecordProof;
  const startLedger = () => spawnEmbeddedLedger({ dataDir, port: ledgerPort, env: { GOVSHARE_KEYSTORE_PASSPHRASE: TEST_PASSPHRASE } });
  const chainRoot = async (treeSize: number) => {
    // A plain ethers call, as any outside verifier would make it.
    const anchor = new Contract(ledger.contracts.Anchor.address, contractInterface('Anchor'), new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true }));
    const [found, , checkpoint] = await anchor.findCheckpoint!(logIdFor('finance'), treeSize);
    (anchor.runner as JsonRpcProvider).destroy();
    expect(found, 'checkpoint found on chain').toBe(true);
    return { treeSize: Number(checkpoint.treeSize), root: String(checkpoint.root).slice(2) };
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-log-'));
    ledgerPort = await freePort();
    await openKeystore({ dataDir, passphrase: TEST_PASSPHRASE, scrypt: CHEAP_SCRYPT }).ensureKeys(DEFAULT_KEY_NAMES);
    ledger = await startLedger();
    rpcUrl = ledger.url;
    server = await startSubgraph(finance, { config: { dataDir }, port: 0, logger });
    const anchoring = await connectAnchoring({ config: { dataDir, ledgerPort }, keyName: 'finance', logger, passphrase: TEST_PASSPHRASE, intervalMs: 100 });
    server.log.setAnchoring(anchoring);
  });

  afterAll(async () => {
    await server?.close();
    await ledger?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('anchors committed records and gives each a proof that checks against the on-chain root', async () => {
    const created = await Promise.all(['Metro line 19', 'Harbour bridge repairs', 'Rural bus subsidy'].map(createBudget));
    // Fresh records carry their salt and digest at once; the worker integrates and anchors them within moments.
    expect(created.every((b) => /^[0-9a-f]{64}$/.test(b.proof.digest))).toBe(true);
    await server.log.flush();

    for (const budget of created) {
      const proof = await budgetProof(budget.id);
      expect(proof.status).toBe('ANCHORED');
      const row = (await server.store.db.query('SELECT * FROM budgets WHERE id = $1', [budget.id]))[0] as Record<string, unknown>;
      expect(recordDigest('budgets', row, Buffer.from(proof.salt, 'base64url')).toString('hex')).toBe(proof.digest);
      const onChain = await chainRoot(proof.treeSize!);
      expect(onChain).toEqual({ treeSize: proof.treeSize, root: proof.checkpoint!.root });
      expect(verifyInclusion(leafHash(Buffer.from(proof.digest, 'hex')), proof.leafIndex!, proof.treeSize!, proof.auditPath!.map((h) => Buffer.from(h, 'hex')), Buffer.from(onChain.root, 'hex'))).toBe(true);
      // Without the ledger: inclusion and the checkpoint signature still check.
      expect(failedChecks(await verifyProofBundle(proof, { record: row }))).toEqual([]);
      expect(proof.checkpoint!.anchor.chainId).toBe(1337);
    }
    const status = await server.log.status();
    expect(status).toMatchObject({ logId: 'finance', anchoring: 'ok', backlog: 0 });
  });

  it('keeps logging while the ledger is down and anchors everything once it is back', async () => {
    await ledger.stop();
    const during = await Promise.all(['Flood defences', 'School buses'].map(createBudget));
    await server.log.flush();
    const waiting = await server.log.status();
    expect(waiting.anchoring).toBe('retrying');
    expect(waiting.backlog).toBeGreaterThanOrEqual(2);
    expect((await budgetProof(during[0]!.id)).status).toBe('PENDING_ANCHOR');
    const ready = await (await fetch(`${server.url}/ready`)).json();
    expect(ready.log.backlog).toBe(waiting.backlog);

    ledger = await startLedger();
    for (let i = 0; i < 40 && (await server.log.status()).backlog > 0; i++) {
      await server.log.flush();
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await server.log.status()).toMatchObject({ anchoring: 'ok', backlog: 0 });
    for (const budget of during) expect((await budgetProof(budget.id)).status).toBe('ANCHORED');
  });

  it('continues the log under a rotated department key, and old and new checkpoints both verify', async () => {
    const before = await createBudget('Before rotation');
    await server.log.flush();
    const oldProof = await budgetProof(before.id);
    const keystore = openKeystore({ dataDir, passphrase: TEST_PASSPHRASE, scrypt: CHEAP_SCRYPT });
    const oldKey = await keystore.loadKey('finance');
    const newKey = Wallet.createRandom();
    const endpoint = { rpcUrl: ledger.url, chainId: 1337 };
    const registry = ledger.contracts.EthereumDIDRegistry.address;
    const did = oldProof.checkpoint!.signer;

    // The consortium admits and funds the new key; finance rotates its DID and hands its log over.
    await ensureContracts({ ...endpoint, deployer: embeddedDeployer(dataDir), dataDir, members: [newKey.address] });
    await rotateKey({ ...endpoint, registry, identity: identityAddress(did), from: oldKey, to: newKey });
    const oldClient = createAnchorClient({ ...endpoint, contract: ledger.contracts.Anchor.address, signer: oldKey });
    await oldClient.handOverLog(logIdFor('finance'), newKey.address);
    oldClient.close();
    server.log.setAnchoring({ client: createAnchorClient({ ...endpoint, contract: ledger.contracts.Anchor.address, signer: newKey }), did, privateKey: newKey.privateKey, intervalMs: 100 });

    const after = await createBudget('After rotation');
    await server.log.flush();
    const newProof = await budgetProof(after.id);
    expect(newProof.status).toBe('ANCHORED');

    const resolver = createDidResolver({ ...endpoint, registry });
    const anchor = createAnchorClient({ ...endpoint, contract: ledger.contracts.Anchor.address });
    try {
      expect(failedChecks(await verifyProofBundle(newProof, { ledger: { anchor, resolver } }))).toEqual([]);
      expect(failedChecks(await verifyProofBundle(oldProof, { ledger: { anchor, resolver } }))).toEqual([]);
      // Offline, the new signature cannot be tied to the DID: only the ledger knows the rotation.
      expect(verifyCheckpointSignature(newProof.checkpoint!.signed, { logId: 'finance', treeSize: newProof.treeSize!, root: newProof.checkpoint!.root }, did)).toBe(false);
      // The rotated-out key signing the new checkpoint is refused: it was not the DID's key at that block.
      const forged = { ...newProof, checkpoint: { ...newProof.checkpoint!, signed: await signCheckpoint({ logId: 'finance', treeSize: newProof.treeSize!, root: newProof.checkpoint!.root }, oldKey.privateKey, did) } };
      const verdict = await verifyProofBundle(forged, { ledger: { anchor, resolver } });
      expect(verdict.valid).toBe(false);
      expect(verdict.checks.find((c) => c.id === 'signer-key-at-anchor')).toMatchObject({ ok: false, code: 'KEY_NOT_VALID_AT_ANCHOR_TIME' });
    } finally {
      resolver.close();
      anchor.close();
    }
  });

  it('writes no record field values to the ledger', async () => {
    const provider = new JsonRpcProvider(ledger.url, undefined, { staticNetwork: true });
    try {
      const rows = [
        ...(await server.store.db.query('SELECT * FROM budgets')),
        ...(await server.store.db.query('SELECT * FROM taxpayers')),
      ] as Record<string, unknown>[];
      const needles = new Set<string>();
      for (const row of rows) for (const value of Object.values(row)) if (typeof value === 'string' && value.length >= 6) needles.add(Buffer.from(value, 'utf8').toString('hex'));
      expect(needles.size).toBeGreaterThan(5);
      const latest = await provider.getBlockNumber();
      let scanned = 0;
      for (let n = 0; n <= latest; n++) {
        const block = await provider.getBlock(n, true);
        for (const tx of block!.prefetchedTransactions) {
          const receipt = await provider.getTransactionReceipt(tx.hash);
          const haystack = [tx.data, ...(receipt?.logs ?? []).flatMap((l) => [l.data, ...l.topics])].join('').toLowerCase();
          for (const needle of needles) expect(haystack.includes(needle)).toBe(false);
          scanned++;
        }
      }
      expect(scanned).toBeGreaterThan(5);
    } finally {
      provider.destroy();
    }
  });

  it('keeps and anchors the gateway\'s audit trail as a log of its own', async () => {
    // The trail's own database (log and audit tables), one entry written as the gateway's writer does:
    // row and leaf in one transaction (govshare audit below re-hashes it).
    const db = await openAuditTrail({ dataDir });
    const worker = startLogWorker({ db, logId: GATEWAY_AUDIT_LOG.logId, logger });
    const entryId = randomUUID();
    try {
      await db.transaction(async (tx) => {
        const [row] = await tx.query<Record<string, unknown> & { id: string }>(
          `INSERT INTO audit_entries (id, at, request_id, decision, request_hash, response_hash)
           VALUES ($1, '2026-11-25T09:00:00.000Z', 'request-1', 'granted', 'aa', 'bb') RETURNING *`,
          [entryId],
        );
        await logRecord(tx, 'audit_entries', row!);
      });
      worker.setAnchoring(
        await connectAnchoring({ config: { dataDir, ledgerPort }, keyName: GATEWAY_AUDIT_LOG.keyName, logger, passphrase: TEST_PASSPHRASE, intervalMs: 100 }),
      );
      await worker.flush();
      expect(await worker.status()).toMatchObject({ logId: 'gateway-audit', size: 1, anchoredSize: 1, backlog: 0 });
      const [proof] = await loadRecordProofs(db, [{ table: 'audit_entries', id: entryId }]);
      expect(proof).toMatchObject({ status: 'ANCHORED', logId: 'gateway-audit', leafIndex: 0, treeSize: 1 });
    } finally {
      await worker.stop();
      await db.close();
    }
  });

  it('names a record altered by SQL behind the system\'s back', async () => {
    const target = await createBudget('Tamper target');
    await server.log.flush();
    await server.close();
    const env = { GOVSHARE_DATA_DIR: dataDir, LEDGER_PORT: String(ledgerPort), GOVSHARE_KEYSTORE_PASSPHRASE: TEST_PASSPHRASE, GOVSHARE_LOG_LEVEL: 'silent' };

    const clean = runCli(['audit', '--json'], env);
    expect((await clean.exited).code).toBe(0);
    expect(JSON.parse(clean.output().slice(clean.output().indexOf('{'))).intact).toBe(true);

    const { openDatabase } = await import('../../store/open.ts');
    const db = await openDatabase({ dataDir }, 'finance');
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query("UPDATE budgets SET title = 'Tampered' WHERE id = $1", [target.id]);
    });
    await db.close();

    const audit = runCli(['audit', '--json'], env);
    expect((await audit.exited).code).toBe(1);
    const report = JSON.parse(audit.output().slice(audit.output().indexOf('{')));
    const financeReport = report.departments.find((d: { department: string }) => d.department === 'finance');
    expect(financeReport.findings).toEqual([{ table: 'budgets', id: target.id, problem: 'ALTERED' }]);
    // The gateway's audit trail was checked against the ledger too.
    expect(report.departments.find((d: { department: string }) => d.department === 'gateway')).toMatchObject({ leaves: 1, anchoredCheckpoints: 1, findings: [] });
  });
});
