import { changeCredentialStatus, type ChangeCredentialStatusInput, type StatusChange } from './change-credential-status.ts';
import type { CredentialContext } from './context.ts';
import { credentialState } from './credential-state.ts';
import { issueCredential, type IssueCredentialInput } from './issue-credential.ts';
import { JSONScalar } from './json-scalar.ts';
import { credentialFieldNames } from './sdl.ts';

/** The resolvers of credentials.graphql for one department, merged into its own by the subgraph server. */
export function credentialResolvers(ctx: CredentialContext) {
  const names = credentialFieldNames(ctx.settings.department);
  const change = (kind: StatusChange) => (_: unknown, args: { input: ChangeCredentialStatusInput }) => changeCredentialStatus(ctx, kind, args.input);
  return {
    JSON: JSONScalar,
    Mutation: {
      [names.issue]: (_: unknown, args: { input: IssueCredentialInput }) => issueCredential(ctx, args.input),
      [names.revoke]: change('revoke'),
      [names.suspend]: change('suspend'),
      [names.reinstate]: change('reinstate'),
    },
    Query: {
      [names.state]: (_: unknown, args: { jti: string }) => credentialState(ctx.db, args.jti),
    },
  };
}
