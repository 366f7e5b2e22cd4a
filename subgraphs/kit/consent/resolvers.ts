import type { ConsentContext } from './context.ts';
import { listConsents, type ListConsentsInput } from './list-consents.ts';
import { registerConsent } from './register-consent.ts';
import { revokeConsent, type RevokeConsentInput } from './revoke-consent.ts';
import { consentFieldNames } from './sdl.ts';

/** The resolvers of consent.graphql for one department, merged into its own by the subgraph server. */
export function consentResolvers(ctx: ConsentContext) {
  const names = consentFieldNames(ctx.department);
  return {
    Mutation: {
      [names.register]: (_: unknown, args: { credential: string }) => registerConsent(ctx, args.credential),
      [names.revoke]: (_: unknown, args: RevokeConsentInput) => revokeConsent(ctx, args),
    },
    Query: {
      [names.list]: (_: unknown, args: ListConsentsInput) => listConsents(ctx, args),
    },
  };
}
