import { DEMO_PASSPHRASE, openKeystore } from '../anchor/keys/keystore.ts';
import { didForAddress } from '../anchor/ledger/did.ts';
import { EMBEDDED_CHAIN_ID } from '../anchor/ledger/seed.ts';
import { GATEWAY_KEY } from '../gateway/auth/connect.ts';
import { REQUEST_ID_HEADER } from '../platform/http/server.ts';
import { createSubgraphTokenSigner, SUBGRAPH_TOKEN_HEADER, type DecisionContext } from '../gateway/subgraph-client/subgraph-token.ts';
import type { AgencyCredentials } from './agency.ts';

/**
 * Departments answer only a request that carries a token signed by the
 * gateway's DID key, for that department and bound to the request id
 * (subgraphs/kit/admit-gateway.ts). Our gateway signs one per request and
 * department. Two other callers in the bench must get answers too: the bare
 * gateway (the baseline) and the load generator asking the finance department
 * directly. They send one token per department, signed once here for a fixed
 * request id and a long lifetime, as static headers: the departments check it
 * on every request exactly as they check ours (signature, audience, request
 * id, decision), so they do the same work whichever gateway asks, and the
 * baseline pays nothing for signing (a bare gateway has nothing to sign).
 *
 * The decision is the one our gateway signs for the bench's agency: the demo
 * audit-office, whose statutory agreements bind no category to consent, so the
 * departments release every field without a consent look-up, as they do for ours.
 */
export type StaticHeaders = Record<string, string>;

/** Hours, not the gateway's 60 s: it must outlive a full bench run. */
const LIFETIME_SECONDS = 4 * 3600;

export async function staticGatewayHeaders(dataDir: string, departments: readonly string[], agency: AgencyCredentials): Promise<Record<string, StaticHeaders>> {
  const keystore = openKeystore({ dataDir, passphrase: DEMO_PASSPHRASE });
  const key = await keystore.ensureKey(GATEWAY_KEY);
  const sign = createSubgraphTokenSigner({ gatewayDid: didForAddress(key.address, EMBEDDED_CHAIN_ID), privateKey: key.privateKey, lifetimeSeconds: LIFETIME_SECONDS });
  const context: DecisionContext = { agency: agency.agencyDid, purpose: agency.purpose, agreements: [], consentCategories: [], decision: 'bench-static' };
  return Object.fromEntries(
    departments.map((department) => {
      const requestId = `bench-static-${department}`;
      return [department, { [REQUEST_ID_HEADER]: requestId, [SUBGRAPH_TOKEN_HEADER]: sign(department, requestId, context) }];
    }),
  );
}
