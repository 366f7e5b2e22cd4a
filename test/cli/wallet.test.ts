import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJWT } from 'did-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCitizen } from '../../demo/citizens.ts';
import { CLI, runCli } from '../support/processes.ts';
import { testIssuer } from '../credentials/wallet-issuer.ts';

/** `govshare wallet ...` as a citizen runs it: a temp wallet file, the passphrase in the environment. */
let dir: string;
let env: NodeJS.ProcessEnv;
const PASSPHRASE = 'citizen passphrase 1';

async function govshare(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; output: string }> {
  const cli = runCli(args, { ...env, ...extraEnv });
  let stdout = '';
  cli.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const { code } = await cli.exited;
  return { code, stdout, output: cli.output() };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-cli-wallet-'));
  env = {
    GOVSHARE_DATA_DIR: path.join(dir, 'data'),
    GOVSHARE_WALLET: path.join(dir, 'wallet.json'),
    GOVSHARE_WALLET_PASSPHRASE: PASSPHRASE,
    LEDGER_RPC_URL: '',
    LEDGER_CHAIN_ID: '',
  };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('govshare wallet', () => {
  let did: string;
  const issuer = testIssuer();
  let degreeJti: string;

  it('init creates a wallet and prints its DID; a second init is refused', async () => {
    const init = await govshare(['wallet', 'init']);
    expect(init.code, init.output).toBe(0);
    did = init.stdout.trim();
    expect(did).toMatch(/^did:ethr:0x539:0x[0-9a-f]{40}$/);
    expect(fs.statSync(env.GOVSHARE_WALLET!).mode & 0o077).toBe(0);

    const again = await govshare(['wallet', 'init']);
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/^govshare: WALLET_EXISTS: /m);
    expect((await govshare(['wallet', 'did'])).stdout.trim()).toBe(did);
  });

  it('receive files a credential issued to the holder, once; refuses one about someone else', async () => {
    const degree = await issuer.issue(did, { type: 'DegreeCredential' });
    degreeJti = decodeJWT(degree).payload.jti as string;
    const file = path.join(dir, 'degree.jwt');
    fs.writeFileSync(file, `${degree}\n`);
    const received = await govshare(['wallet', 'receive', file]);
    expect(received.code, received.output).toBe(0);
    expect(received.stdout).toBe(`received DegreeCredential ${degreeJti} from ${issuer.did}\n`);
    expect(received.output).toMatch(/without verifying/);
    expect((await govshare(['wallet', 'receive', file])).stdout).toMatch(/^already held DegreeCredential/);

    const foreign = path.join(dir, 'foreign.jwt');
    fs.writeFileSync(foreign, await issuer.issue(demoCitizen(3).did));
    const refused = await govshare(['wallet', 'receive', foreign]);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/^govshare: CREDENTIAL_NOT_FOR_THIS_HOLDER: /m);
  });

  it('receive - reads the credential from stdin', async () => {
    const tax = await issuer.issue(did, { type: 'TaxClearanceCredential' });
    const child = spawn(process.execPath, [CLI, 'wallet', 'receive', '-', '--json'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdin.end(tax);
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ added: true, verified: false, credential: { type: 'TaxClearanceCredential', subject: did, issuer: issuer.did } });
  });

  it('list --json shows what the wallet holds, without the JWTs', async () => {
    const list = await govshare(['wallet', 'list', '--json']);
    expect(list.code, list.output).toBe(0);
    const parsed = JSON.parse(list.stdout);
    expect(parsed.did).toBe(did);
    expect(parsed.credentials.map((c: { type: string }) => c.type)).toEqual(['DegreeCredential', 'TaxClearanceCredential']);
    expect(parsed.credentials[0]).toMatchObject({ jti: degreeJti, issuer: issuer.did, expired: false });
    expect(list.stdout).not.toMatch(/eyJ/);
    expect((await govshare(['wallet', 'list'])).stdout).toContain(`DegreeCredential`);
  });

  it('present prints a VP JWT with only the chosen credentials, bound to the challenge and domain', async () => {
    const present = await govshare(['wallet', 'present', '--challenge', 'n-0451', '--domain', 'https://verifier.example', '--credential', degreeJti]);
    expect(present.code, present.output).toBe(0);
    const { payload, header } = decodeJWT(present.stdout.trim());
    expect(header.alg).toBe('ES256K');
    expect(payload).toMatchObject({ iss: did, nonce: 'n-0451', aud: 'https://verifier.example' });
    expect(payload.vp.verifiableCredential).toHaveLength(1);
    expect(decodeJWT(payload.vp.verifiableCredential[0]).payload.jti).toBe(degreeJti);
    expect(payload.exp! - payload.iat!).toBe(300);

    const out = path.join(dir, 'vp.jwt');
    const toFile = await govshare(['wallet', 'present', '--challenge', 'c2', '--domain', 'd2', '--credential', 'TaxClearanceCredential', '--credential', degreeJti, '--out', out, '--seconds', '60']);
    expect(toFile.code, toFile.output).toBe(0);
    expect(toFile.stdout).toBe('');
    expect(fs.statSync(out).mode & 0o077).toBe(0);
    const fromFile = decodeJWT(fs.readFileSync(out, 'utf8').trim()).payload;
    expect(fromFile.vp.verifiableCredential).toHaveLength(2);
    expect(fromFile.exp! - fromFile.iat!).toBe(60);

    const none = await govshare(['wallet', 'present', '--challenge', 'c', '--domain', 'd']);
    expect(none.code).toBe(1);
    expect(none.output).toMatch(/^govshare: PRESENTATION_INVALID: /m);
    const unknown = await govshare(['wallet', 'present', '--challenge', 'c', '--domain', 'd', '--credential', 'urn:uuid:nope']);
    expect(unknown.output).toMatch(/^govshare: CREDENTIAL_NOT_IN_WALLET: /m);
  });

  it('says what is wrong with the passphrase, in one line with a code', async () => {
    const wrong = await govshare(['wallet', 'list'], { GOVSHARE_WALLET_PASSPHRASE: 'not the passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/^govshare: WALLET_PASSPHRASE_WRONG: [^\n]*\n$/);
    // No passphrase and no terminal to ask on.
    const missing = await govshare(['wallet', 'list'], { GOVSHARE_WALLET_PASSPHRASE: '' });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/^govshare: WALLET_PASSPHRASE_REQUIRED: .*GOVSHARE_WALLET_PASSPHRASE/m);
    const absent = await govshare(['wallet', 'list', '--wallet', path.join(dir, 'none.json')]);
    expect(absent.output).toMatch(/^govshare: WALLET_NOT_FOUND: /m);
  });

  it('init --import-demo holds a demo citizen\'s key and DID', async () => {
    const file = path.join(dir, 'demo-2.json');
    const init = await govshare(['wallet', 'init', '--import-demo', '2', '--wallet', file]);
    expect(init.code, init.output).toBe(0);
    expect(init.stdout.trim()).toBe(demoCitizen(2).did);
    const bad = await govshare(['wallet', 'init', '--import-demo', 'two', '--wallet', path.join(dir, 'x.json')]);
    expect(bad.output).toMatch(/^govshare: INVALID_ARGUMENT: /m);
  });
});
