import type { Anchoring } from '../../../anchor/log/log-worker.ts';
import { GovshareError } from '../../../platform/errors.ts';
import { ErrorCode } from '../errors.ts';
import type { IssuerIdentity } from './types.ts';

/**
 * The department's signing identity for credentials: its DID and key, the same ones that sign
 * its log checkpoints (a department is one DID), plus the ledger's DID resolver. A department
 * serves before the ledger answers; until its anchoring is connected it cannot issue
 * (ISSUER_UNAVAILABLE) but still serves what it signed before.
 */
export interface IssuerSlot {
  current(): IssuerIdentity | undefined;
  /** Throws ISSUER_UNAVAILABLE when there is no identity yet. */
  require(): IssuerIdentity;
  /** Takes the identity from the department's anchoring; the slot owns (and closes) the resolver it brings. */
  set(anchoring: Anchoring): void;
  close(): void;
}

export function createIssuerSlot(): IssuerSlot {
  let identity: IssuerIdentity | undefined;
  const resolvers = new Set<IssuerIdentity['resolver']>();
  return {
    current: () => identity,
    require() {
      if (!identity) {
        throw new GovshareError(ErrorCode.ISSUER_UNAVAILABLE, 'this department is not connected to the ledger yet (no signing key): try again shortly');
      }
      return identity;
    },
    set(anchoring) {
      // A key handed over without a resolver (a rotation done by hand) keeps the ledger connection it had.
      const resolver = anchoring.resolver ?? identity?.resolver;
      if (anchoring.resolver) resolvers.add(anchoring.resolver);
      identity = resolver ? { did: anchoring.did, privateKey: anchoring.privateKey, resolver } : undefined;
    },
    close() {
      for (const resolver of resolvers) resolver.close();
      resolvers.clear();
      identity = undefined;
    },
  };
}
