import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { buildSchema, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Scope } from '../../gateway/access/categories.ts';
import { policyGateway } from '../../gateway/policy/policy-gateway.ts';
import type { PreparedOperation } from '../../gateway/policy/policy-plugin.ts';
import { rewriteOperation } from '../../gateway/policy/rewrite-operation.ts';

/** The executor wrapper's contract with Apollo's gateway: what it hands on, and that it fails closed. */
const schema = buildSchema('type Query { open: String, secret: String }');
const classification = new Map<string, Scope>([
  ['Query.open', 'public'],
  ['Query.secret', 'finance.tax'],
]);

function fakeGateway() {
  const seen: GatewayGraphQLRequestContext[] = [];
  const executor: GatewayExecutor = async (requestContext) => {
    seen.push(requestContext);
    return { data: { open: 'o' } };
  };
  const inner: GatewayInterface = { load: async () => ({ executor }), onSchemaLoadOrUpdate: () => () => {}, stop: async () => {} };
  return { inner, seen };
}

const requestFor = (query: string, policy?: PreparedOperation) =>
  ({ request: { query, variables: {} }, document: parse(query), queryHash: 'client-hash', source: query, context: { policy } }) as unknown as GatewayGraphQLRequestContext;

describe('the policy gateway', () => {
  it('plans the rewritten document under the hash of its own text and puts the nulls back', async () => {
    const { inner, seen } = fakeGateway();
    const { executor } = await policyGateway(inner).load({ apollo: {} });
    const query = '{ open secret }';
    const rewrite = rewriteOperation({ schema, classification, allowed: (s) => s === 'public', document: parse(query) });
    if (!rewrite.changed) throw new Error('expected a rewrite');
    const result = await executor!(requestFor(query, { rewrite, enforce: true, outcome: 'filtered', denied: [] }));
    expect(print(seen[0]!.document)).toBe('{\n  open\n}');
    expect(seen[0]!.queryHash).toBe(rewrite.queryHash);
    expect(seen[0]!.queryHash).not.toBe('client-hash');
    expect(result.data).toEqual({ open: 'o', secret: null });
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHORIZED_FIELD']);
  });

  it('hands the client\'s operation on untouched when nothing is denied, or in dry-run', async () => {
    const { inner, seen } = fakeGateway();
    const { executor } = await policyGateway(inner).load({ apollo: {} });
    await executor!(requestFor('{ open }', { rewrite: { changed: false }, enforce: true, outcome: 'allowed', denied: [] }));
    const rewrite = rewriteOperation({ schema, classification, allowed: (s) => s === 'public', document: parse('{ open secret }') });
    await executor!(requestFor('{ open secret }', { rewrite, enforce: false, outcome: 'dry_run', denied: [] }));
    expect(seen.map((c) => c.queryHash)).toEqual(['client-hash', 'client-hash']);
  });

  it('runs nothing the policy did not look at', async () => {
    const { inner, seen } = fakeGateway();
    const { executor } = await policyGateway(inner).load({ apollo: {} });
    await expect(executor!(requestFor('{ secret }'))).rejects.toThrow(/without a policy decision/);
    expect(seen).toEqual([]);
  });
});
