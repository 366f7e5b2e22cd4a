import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import type { GatewayContext } from '../context.ts';
import { restoreDenied } from './restore-denied.ts';

/**
 * The gateway Apollo Server talks to: Apollo's own gateway, whose executor is called with the
 * operation the policy rewrote (`context.policy`, left by policyPlugin) instead of the
 * client's, then the removed fields are answered null with their errors.
 *
 * The rewritten document travels with `queryHash = sha256(print(rewritten))`: Apollo's plan
 * cache is keyed on queryHash, so swapping only the document would hand one caller the plan
 * made for another's rights (DESIGN.md: a caller with fewer rights got denied fields fetched,
 * one with more got silent nulls).
 */
export function policyGateway(inner: GatewayInterface): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => inner.onSchemaLoadOrUpdate(callback),
    stop: () => inner.stop(),
    async load(options) {
      const { executor } = await inner.load(options);
      if (!executor) return { executor: null };
      const run: GatewayExecutor = async (requestContext) => {
        const prepared = (requestContext.context as Partial<GatewayContext>).policy;
        // Fail closed: nothing runs that the policy did not look at.
        if (!prepared) throw new Error('policy: the operation reached execution without a policy decision');
        const { rewrite } = prepared;
        if (!prepared.enforce || !rewrite.changed) return executor(requestContext);
        const result = await executor({
          ...requestContext,
          document: rewrite.document,
          operation: rewrite.operation,
          source: rewrite.source,
          queryHash: rewrite.queryHash,
        });
        return restoreDenied(result, rewrite, requestContext.request.variables);
      };
      return { executor: run };
    },
  };
}
