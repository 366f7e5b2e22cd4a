import { openKeystore, keystorePassphrase } from '../../anchor/keys/keystore.ts';
import { DEMO_ACCREDITATIONS } from '../../anchor/ledger/accreditations.ts';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { requestCredential } from '../../credentials/request/request-credential.ts';
import { loadConfig, type DepartmentName } from '../../platform/config.ts';
import { GovshareError } from '../../platform/errors.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import type { Department } from '../../subgraphs/kit/department.ts';

const departments = { education, finance, justice } as Record<DepartmentName, Department<unknown>>;

export interface IssueCommandOptions {
  subject: string;
  /** JSON object: the claims, for a subject the department has no records about. */
  claims?: string;
  /** The record the credential states (a degree, an enrolment, an evidence item). */
  record?: string;
  /** GraphQL endpoint; default the gateway, http://127.0.0.1:<GATEWAY_PORT>/graphql. */
  url?: string;
}

/**
 * `govshare issue <CredentialType> --subject <DID> [--claims JSON] [--record <id>] [--url URL]`
 * (DESIGN.md): issues as the officer of the department accredited for that type
 * (DEMO_ACCREDITATIONS), with that department's demo key from the keystore under the data dir,
 * through the gateway. Claims come from the department's records when it has some, else from
 * --claims, else the type's demo claims (marked `demo: true`, and said so on stderr). Prints the
 * credential JWT on stdout.
 */
export async function issueCommand(type: string, options: IssueCommandOptions): Promise<void> {
  const config = loadConfig();
  const name = (Object.keys(DEMO_ACCREDITATIONS) as DepartmentName[]).find((department) => DEMO_ACCREDITATIONS[department]!.includes(type));
  if (!name) {
    const known = Object.values(DEMO_ACCREDITATIONS).flat().join(', ');
    throw new GovshareError('CREDENTIAL_TYPE_UNKNOWN', `no department is accredited for ${type} (known types: ${known})`);
  }
  let claims: Record<string, unknown> | undefined;
  if (options.claims !== undefined) {
    try {
      claims = JSON.parse(options.claims) as Record<string, unknown>;
    } catch {
      throw new GovshareError('INVALID_ARGUMENT', '--claims must be a JSON object');
    }
  }
  const keystore = openKeystore({ dataDir: config.dataDir, passphrase: keystorePassphrase(process.env) });
  const key = await keystore.loadKey(name);
  const officer = { did: didForAddress(key.address, ledgerEndpoint(config).chainId), privateKey: key.privateKey };
  const ask = (given: Record<string, unknown> | undefined) =>
    requestCredential({
      graphqlUrl: options.url ?? `http://127.0.0.1:${config.gatewayPort}/graphql`,
      department: name,
      audience: officer.did,
      caller: officer,
      type,
      subject: options.subject,
      ...(options.record !== undefined && { recordId: options.record }),
      ...(given !== undefined && { claims: given }),
    });

  let issued;
  try {
    issued = await ask(claims);
  } catch (error) {
    const demo = departments[name].credentials?.[type]?.demoClaims;
    // No records and no --claims: the operator's and tester's path falls back to demo claims.
    if ((error as GovshareError).code !== 'NO_RECORDS' || claims !== undefined || options.record !== undefined || !demo) throw error;
    process.stderr.write(`${name} has no records about ${options.subject}: issuing with demo claims (marked "demo": true)\n`);
    issued = await ask(demo(options.subject, new Date()));
  }
  process.stderr.write(`issued ${issued.type} ${issued.jti} by ${name} (${officer.did}) to ${issued.subject}\n`);
  process.stdout.write(`${issued.jwt}\n`);
}
