import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createJWT, decodeJWT, verifyJWT } from 'did-jwt';
import { verifyPresentation } from 'did-jwt-vc';
import { getAddress } from 'ethers';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDidResolver, type DidResolver } from '../../anchor/ledger/did.ts';
import { demoCitizen } from '../../demo/citizens.ts';
import {
  createPresentation,
  createWallet,
  DEMO_WALLET_PASSPHRASE,
  DEMO_WALLET_SCRYPT,
  ensureDemoWallets,
  listCredentials,
  openWallet,
  promptPassphrase,
  receiveCredential,
  resolveWalletFile,
  walletSigner,
  type Wallet,
} from '../../credentials/wallet/index.ts';
import { withWalletLock } from '../../credentials/wallet/lock-wallet-file.ts';
import { startTestLedger, type TestLedger } from '../anchor/ledger-fixture.ts';
import { testIssuer } from './wallet-issuer.ts';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery';
const dirs: string[] = [];
const tempFile = (name = 'wallet.json') => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-wallet-'));
  dirs.push(dir);
  return path.join(dir, name);
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const newWallet = (options: { file?: string; privateKey?: string } = {}) =>
  createWallet({ file: options.file ?? tempFile(), passphrase: PASSPHRASE, chainId: 1337, scrypt: CHEAP, ...(options.privateKey ? { privateKey: options.privateKey } : {}) });

const rejectsWith = (promise: Promise<unknown>, code: string) => expect(promise).rejects.toMatchObject({ code });

describe('wallet file', () => {
  it('creates a did:ethr wallet on the hex chain id, private on disk, and opens it again with its credentials', async () => {
    const file = tempFile();
    const wallet = await newWallet({ file });
    expect(wallet.did).toMatch(/^did:ethr:0x539:0x[0-9a-f]{40}$/);
    expect(wallet.credentials).toEqual([]);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    // Nothing about the holder in clear: not the DID, not the address.
    const onDisk = fs.readFileSync(file, 'utf8');
    expect(onDisk).not.toContain(wallet.did.slice(-40));
    expect(JSON.parse(onDisk)).toMatchObject({ format: 'govshare-wallet/1', kdf: { name: 'scrypt', N: CHEAP.N }, cipher: { name: 'aes-256-gcm' } });
    // The key is not reachable from the Wallet value.
    expect(Object.keys(wallet).sort()).toEqual(['chainId', 'createdAt', 'credentials', 'did', 'file']);

    const issuer = testIssuer();
    const jwt = await issuer.issue(wallet.did);
    await receiveCredential(wallet, jwt);
    const reopened = await openWallet({ file, passphrase: PASSPHRASE });
    expect(reopened.did).toBe(wallet.did);
    expect(reopened.credentials.map((c) => c.jwt)).toEqual([jwt]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['wallet.json']); // no temp or lock file left
    expect(fs.statSync(file).mode & 0o077).toBe(0);
  });

  it('never overwrites an existing wallet', async () => {
    const file = tempFile();
    const first = await newWallet({ file });
    const before = fs.readFileSync(file, 'utf8');
    await rejectsWith(newWallet({ file }), 'WALLET_EXISTS');
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect((await openWallet({ file, passphrase: PASSPHRASE })).did).toBe(first.did);
  });

  it('imports a demo citizen\'s key as that citizen\'s DID, and refuses bad keys and short passphrases', async () => {
    const citizen = demoCitizen(0);
    expect((await newWallet({ privateKey: citizen.privateKey })).did).toBe(citizen.did);
    await rejectsWith(newWallet({ privateKey: '0x1234' }), 'WALLET_ARGUMENT_INVALID');
    await rejectsWith(createWallet({ file: tempFile(), passphrase: 'short', chainId: 1337, scrypt: CHEAP }), 'WALLET_PASSPHRASE_TOO_SHORT');
  });

  it('refuses a wrong passphrase, a missing file and corrupt files with distinct codes', async () => {
    const file = tempFile();
    await newWallet({ file });
    await rejectsWith(openWallet({ file, passphrase: 'not the passphrase' }), 'WALLET_PASSPHRASE_WRONG');
    await rejectsWith(openWallet({ file: tempFile('absent.json'), passphrase: PASSPHRASE }), 'WALLET_NOT_FOUND');

    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    const variant = (edit: (r: any) => unknown) => {
      const copy = tempFile();
      const r = structuredClone(record);
      const replaced = edit(r);
      fs.writeFileSync(copy, typeof replaced === 'string' ? replaced : JSON.stringify(r));
      return openWallet({ file: copy, passphrase: PASSPHRASE });
    };
    await rejectsWith(variant(() => '{"format": "govshare-wallet/1", '), 'WALLET_CORRUPT');
    await rejectsWith(variant((r) => void (r.format = 'govshare-wallet/9')), 'WALLET_CORRUPT');
    await rejectsWith(variant((r) => void delete r.cipher.tag), 'WALLET_CORRUPT');
    // An edited KDF cost is refused before any derivation (2^30 would need a terabyte).
    await rejectsWith(variant((r) => void (r.kdf.N = 2 ** 30)), 'WALLET_CORRUPT');
    // An altered ciphertext fails authentication: GCM cannot tell it from a wrong passphrase.
    await rejectsWith(
      variant((r) => {
        const bytes = Buffer.from(r.ciphertext, 'base64');
        bytes[0]! ^= 1;
        r.ciphertext = bytes.toString('base64');
      }),
      'WALLET_PASSPHRASE_WRONG',
    );
  });

  it('keeps both credentials when two handles opened on one wallet each receive one (changes apply to the file as it is now)', async () => {
    const file = tempFile();
    const created = await newWallet({ file });
    const issuer = testIssuer();
    const [a, b] = await Promise.all([openWallet({ file, passphrase: PASSPHRASE }), openWallet({ file, passphrase: PASSPHRASE })]);
    const [ja, jb] = [await issuer.issue(created.did, { type: 'DegreeCredential' }), await issuer.issue(created.did, { type: 'TaxClearanceCredential' })];
    const [ra, rb] = await Promise.all([receiveCredential(a, ja), receiveCredential(b, jb)]);
    expect(ra.added && rb.added).toBe(true);
    const reopened = await openWallet({ file, passphrase: PASSPHRASE });
    expect(reopened.credentials.map((c) => c.jwt).sort()).toEqual([ja, jb].sort());
  });

  it('refuses to re-seal a file that another wallet replaced', async () => {
    const file = tempFile();
    const original = await newWallet({ file });
    const other = tempFile();
    await newWallet({ file: other });
    fs.copyFileSync(other, file);
    await rejectsWith(receiveCredential(original, await testIssuer().issue(original.did)), 'WALLET_REPLACED');
  });

  it('waits for a held lock, takes over one left by a dead process, and gives up with WALLET_BUSY', async () => {
    const file = tempFile();
    fs.writeFileSync(`${file}.lock`, '999999999'); // no such process
    expect(await withWalletLock(file, () => 'done')).toBe('done');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);

    fs.writeFileSync(`${file}.lock`, String(process.pid));
    await rejectsWith(withWalletLock(file, () => 'never', { timeoutMs: 100 }), 'WALLET_BUSY');
    setTimeout(() => fs.rmSync(`${file}.lock`), 50);
    expect(await withWalletLock(file, () => 'after release', { timeoutMs: 5_000 })).toBe('after release');
  });
});

describe('receiving credentials', () => {
  it('stores a credential about the holder with its summary, and lists it', async () => {
    const wallet = await newWallet();
    const issuer = testIssuer();
    const exp = Math.floor(Date.now() / 1000) + 600;
    const jwt = await issuer.issue(wallet.did, { type: 'DegreeCredential', jti: 'urn:uuid:00000000-0000-4000-8000-000000000001', exp });
    const { wallet: after, credential, added } = await receiveCredential(wallet, `\n${jwt}\n`);
    expect(added).toBe(true);
    expect(credential).toMatchObject({ jwt, type: 'DegreeCredential', types: ['VerifiableCredential', 'DegreeCredential'], issuer: issuer.did, subject: wallet.did, jti: 'urn:uuid:00000000-0000-4000-8000-000000000001', expiresAt: new Date(exp * 1000).toISOString() });
    expect(wallet.credentials).toHaveLength(0); // the old value is left as it was
    expect(listCredentials(after)).toEqual([
      { jti: credential.jti, type: 'DegreeCredential', types: ['VerifiableCredential', 'DegreeCredential'], issuer: issuer.did, issuedAt: credential.issuedAt, expiresAt: credential.expiresAt, receivedAt: credential.receivedAt, expired: false },
    ]);
    expect(listCredentials(after, { now: new Date((exp + 1) * 1000) })[0]!.expired).toBe(true);
  });

  it('refuses a credential about someone else, or naming the holder other than exactly its DID', async () => {
    const wallet = await newWallet();
    const stranger = await newWallet();
    const issuer = testIssuer();
    await rejectsWith(receiveCredential(wallet, await issuer.issue(stranger.did)), 'CREDENTIAL_NOT_FOR_THIS_HOLDER');
    // A checksummed address is the same account, but a verifier's holder check compares strings.
    const address = wallet.did.slice(-42);
    const checksummed = wallet.did.replace(address, getAddress(address));
    expect(checksummed).not.toBe(wallet.did);
    await expect(receiveCredential(wallet, await issuer.issue(checksummed))).rejects.toMatchObject({
      code: 'CREDENTIAL_NOT_FOR_THIS_HOLDER',
      message: expect.stringContaining('compare DIDs as strings'),
    });
    expect((await openWallet({ file: wallet.file, passphrase: PASSPHRASE })).credentials).toHaveLength(0);
  });

  it('refuses what is not a VC JWT, and expired credentials', async () => {
    const wallet = await newWallet();
    const { signer } = walletSigner(wallet);
    await rejectsWith(receiveCredential(wallet, 'not a jwt'), 'CREDENTIAL_MALFORMED');
    const plainJwt = await createJWT({ sub: wallet.did, jti: 'x' }, { issuer: wallet.did, signer }, { alg: 'ES256K' });
    await rejectsWith(receiveCredential(wallet, plainJwt), 'CREDENTIAL_MALFORMED');
    const noJti = await createJWT(
      { sub: wallet.did, vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: {} } },
      { issuer: wallet.did, signer },
      { alg: 'ES256K' },
    );
    await rejectsWith(receiveCredential(wallet, noJti), 'CREDENTIAL_MALFORMED');
    await rejectsWith(receiveCredential(wallet, 'a'.repeat(70_000) + '.b.c'), 'CREDENTIAL_MALFORMED');
    const issuer = testIssuer();
    const past = Math.floor(Date.now() / 1000) - 10;
    await rejectsWith(receiveCredential(wallet, await issuer.issue(wallet.did, { nbf: past - 100, exp: past })), 'CREDENTIAL_EXPIRED');
  });

  it('is idempotent for the same credential and refuses another one reusing its jti', async () => {
    const wallet = await newWallet();
    const issuer = testIssuer();
    const jwt = await issuer.issue(wallet.did, { jti: 'urn:uuid:dup' });
    const first = await receiveCredential(wallet, jwt);
    const before = fs.readFileSync(wallet.file, 'utf8');
    const again = await receiveCredential(first.wallet, jwt);
    expect(again.added).toBe(false);
    expect(again.wallet.credentials).toHaveLength(1);
    expect(fs.readFileSync(wallet.file, 'utf8')).toBe(before); // nothing rewritten
    // A stale handle (opened before the first receipt) finds it on disk, still without a duplicate.
    expect((await receiveCredential(wallet, jwt)).added).toBe(false);
    expect((await openWallet({ file: wallet.file, passphrase: PASSPHRASE })).credentials).toHaveLength(1);

    const impostor = await issuer.issue(wallet.did, { jti: 'urn:uuid:dup', claims: { degree: 'PhD' } });
    await rejectsWith(receiveCredential(first.wallet, impostor), 'CREDENTIAL_CONFLICT');
  });

  it('asks an injected verifier and files nothing it rejects', async () => {
    const wallet = await newWallet();
    const issuer = testIssuer();
    const jwt = await issuer.issue(wallet.did);
    const refuse = vi.fn(async () => ({ valid: false, checks: [{ id: 'signature', ok: true }, { id: 'issuer', ok: false, code: 'ISSUER_NOT_TRUSTED' }] }));
    await expect(receiveCredential(wallet, jwt, { verify: refuse })).rejects.toMatchObject({ code: 'CREDENTIAL_REJECTED', message: expect.stringContaining('ISSUER_NOT_TRUSTED') });
    expect(refuse).toHaveBeenCalledWith(jwt);
    expect((await openWallet({ file: wallet.file, passphrase: PASSPHRASE })).credentials).toHaveLength(0);

    const accept = vi.fn(async () => ({ valid: true, checks: [{ id: 'signature', ok: true }] }));
    expect((await receiveCredential(wallet, jwt, { verify: accept })).added).toBe(true);
    expect(accept).toHaveBeenCalledOnce();
  });
});

describe('presentations and signing, checked against the embedded ledger', () => {
  let ledger: TestLedger;
  let resolver: DidResolver;
  beforeAll(async () => {
    ledger = await startTestLedger();
    resolver = createDidResolver({ rpcUrl: ledger.current.url, chainId: ledger.current.chainId, registry: ledger.current.contracts.EthereumDIDRegistry.address });
  });
  afterAll(async () => {
    resolver?.close();
    await ledger?.cleanup();
  });

  async function walletWith(types: string[]): Promise<{ wallet: Wallet; jwts: string[] }> {
    let wallet = await newWallet();
    const issuer = testIssuer();
    const jwts: string[] = [];
    for (const type of types) {
      const jwt = await issuer.issue(wallet.did, { type });
      jwts.push(jwt);
      wallet = (await receiveCredential(wallet, jwt)).wallet;
    }
    return { wallet, jwts };
  }

  it('carries exactly the chosen credentials, bound to the challenge and domain, signed by the holder', async () => {
    const { wallet, jwts } = await walletWith(['DegreeCredential', 'TaxClearanceCredential', 'CriminalRecordCredential']);
    const degreeJti = wallet.credentials[0]!.jti;
    const presentation = await createPresentation(wallet, {
      challenge: 'c-1f2e3d',
      domain: 'https://verifier.example',
      select: [degreeJti, 'CriminalRecordCredential'],
      expiresInSeconds: 120,
    });
    expect(presentation.credentials).toEqual([degreeJti, wallet.credentials[2]!.jti]);

    const verified = await verifyPresentation(presentation.jwt, resolver, { challenge: 'c-1f2e3d', domain: 'https://verifier.example' });
    expect(verified.issuer).toBe(wallet.did);
    expect(verified.payload.nonce).toBe('c-1f2e3d');
    expect(verified.payload.aud).toBe('https://verifier.example');
    expect(verified.payload.vp.verifiableCredential).toEqual([jwts[0], jwts[2]]);
    expect(verified.payload.exp! - verified.payload.iat!).toBe(120);
    expect(verified.verifiablePresentation.holder).toBe(wallet.did);

    await expect(verifyPresentation(presentation.jwt, resolver, { challenge: 'another', domain: 'https://verifier.example' })).rejects.toThrow(/challenge/);
    await expect(verifyPresentation(presentation.jwt, resolver, { challenge: 'c-1f2e3d', domain: 'https://elsewhere.example' })).rejects.toThrow(/domain|audience/);
    // Someone else's key cannot pass as this holder.
    const [header, , signature] = presentation.jwt.split('.');
    const { payload } = decodeJWT(presentation.jwt);
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...payload, vp: { ...payload.vp, verifiableCredential: [jwts[1]] } })).toString('base64url')}.${signature}`;
    await expect(verifyPresentation(forged, resolver, { challenge: 'c-1f2e3d', domain: 'https://verifier.example' })).rejects.toThrow();
  });

  it('picks the newest credential of a type, and refuses empty, unknown and expired selections', async () => {
    let wallet = await newWallet();
    const issuer = testIssuer();
    const now = Math.floor(Date.now() / 1000);
    const older = await issuer.issue(wallet.did, { type: 'DegreeCredential', nbf: now - 1000 });
    const newer = await issuer.issue(wallet.did, { type: 'DegreeCredential', nbf: now - 10 });
    const shortLived = await issuer.issue(wallet.did, { type: 'TaxClearanceCredential', exp: now + 60 });
    for (const jwt of [newer, older, shortLived]) wallet = (await receiveCredential(wallet, jwt)).wallet;
    const byType = await createPresentation(wallet, { challenge: 'c', domain: 'd', select: ['DegreeCredential', 'DegreeCredential'] });
    expect(decodeJWT(byType.jwt).payload.vp.verifiableCredential).toEqual([newer]);

    await rejectsWith(createPresentation(wallet, { challenge: 'c', domain: 'd', select: [] }), 'PRESENTATION_INVALID');
    await rejectsWith(createPresentation(wallet, { challenge: '', domain: 'd', select: ['DegreeCredential'] }), 'PRESENTATION_INVALID');
    await rejectsWith(createPresentation(wallet, { challenge: 'c', domain: 'd', select: ['DegreeCredential'], expiresInSeconds: 86_400 }), 'PRESENTATION_INVALID');
    await rejectsWith(createPresentation(wallet, { challenge: 'c', domain: 'd', select: ['urn:uuid:not-held'] }), 'CREDENTIAL_NOT_IN_WALLET');
    const later = new Date((now + 120) * 1000);
    await rejectsWith(createPresentation(wallet, { challenge: 'c', domain: 'd', select: ['TaxClearanceCredential'], now: later }), 'CREDENTIAL_EXPIRED');
  });

  it('signs other JWTs as the holder without exposing the key, and only for wallets it opened', async () => {
    const wallet = await newWallet();
    const holder = walletSigner(wallet);
    expect(holder.did).toBe(wallet.did);
    const jwt = await createJWT({ aud: 'did:ethr:0x539:0x0000000000000000000000000000000000000001', purpose: 'consent' }, { issuer: holder.did, signer: holder.signer }, { alg: holder.alg });
    const verified = await verifyJWT(jwt, { resolver, audience: 'did:ethr:0x539:0x0000000000000000000000000000000000000001', proofPurpose: 'authentication' });
    expect(verified.issuer).toBe(wallet.did);
    expect(() => walletSigner({ ...wallet })).toThrow(expect.objectContaining({ code: 'WALLET_ARGUMENT_INVALID' }));
  });
});

describe('demo wallets', () => {
  it('creates encrypted wallets for the first demo citizens once, with their demo DIDs', async () => {
    const dataDir = path.dirname(tempFile());
    const first = await ensureDemoWallets({ dataDir, chainId: 1337, count: 2 });
    expect(first.map((w) => [w.index, w.did, w.created, path.relative(dataDir, w.file)])).toEqual([
      [0, demoCitizen(0).did, true, path.join('wallets', 'citizen-0.json')],
      [1, demoCitizen(1).did, true, path.join('wallets', 'citizen-1.json')],
    ]);
    // The demo passphrase is public: its files are not worth full key stretching.
    expect(JSON.parse(fs.readFileSync(first[0]!.file, 'utf8')).kdf.N).toBe(DEMO_WALLET_SCRYPT.N);
    const before = fs.readFileSync(first[0]!.file, 'utf8');
    const second = await ensureDemoWallets({ dataDir, chainId: 1337, count: 2 });
    expect(fs.readFileSync(first[0]!.file, 'utf8')).toBe(before);
    expect(second.map((w) => [w.did, w.created])).toEqual([[demoCitizen(0).did, false], [demoCitizen(1).did, false]]);
    const opened = await openWallet({ file: first[1]!.file, passphrase: DEMO_WALLET_PASSPHRASE });
    expect(opened.did).toBe(demoCitizen(1).did);
  });
});

describe('where the wallet is and how its passphrase is asked', () => {
  it('takes --wallet, then GOVSHARE_WALLET, then the XDG data dir', () => {
    const home = '/home/citizen';
    expect(resolveWalletFile({ option: 'w.json', env: { GOVSHARE_WALLET: '/x/env.json' }, cwd: '/cwd', homedir: home })).toBe('/cwd/w.json');
    expect(resolveWalletFile({ env: { GOVSHARE_WALLET: '/x/env.json', XDG_DATA_HOME: '/xdg' }, homedir: home })).toBe('/x/env.json');
    expect(resolveWalletFile({ env: { XDG_DATA_HOME: '/xdg' }, homedir: home })).toBe('/xdg/govshare/wallet.json');
    expect(resolveWalletFile({ env: { XDG_DATA_HOME: 'relative/ignored' }, homedir: home })).toBe('/home/citizen/.local/share/govshare/wallet.json');
    expect(resolveWalletFile({ env: {}, homedir: home })).toBe('/home/citizen/.local/share/govshare/wallet.json');
  });

  it('reads a passphrase from a terminal without echo, and refuses without one', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode: vi.fn() }) as unknown as NodeJS.ReadStream;
    const output = new PassThrough();
    let echoed = '';
    output.on('data', (chunk) => (echoed += chunk));
    const answer = promptPassphrase('passphrase: ', { input, output });
    input.write('secrex');
    input.write('\u007ft\r');
    expect(await answer).toBe('secret');
    expect(echoed).toBe('passphrase: \n');
    expect(input.setRawMode).toHaveBeenNthCalledWith(1, true);
    expect(input.setRawMode).toHaveBeenLastCalledWith(false);

    const pipe = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.ReadStream;
    await rejectsWith(promptPassphrase('passphrase: ', { input: pipe, output }), 'WALLET_PASSPHRASE_REQUIRED');
  });
});
