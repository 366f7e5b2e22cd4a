import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Classification } from '../access/classification.ts';
import type { GatewayContext } from '../context.ts';
import { forbiddenFields, type DeniedPath, type RefusalReason } from './codes.ts';
import { Lru } from './lru.ts';
import type { PolicyMetrics } from './metrics.ts';
import type { PolicyMode } from './mode.ts';
import { deniedPaths } from './restore-denied.ts';
import { RewriteLimitError, rewriteOperation, type RewrittenOperation } from './rewrite-operation.ts';

/** What the policy prepared for the executor (gateway/policy/policy-gateway.ts) to run. */
export interface PreparedOperation {
  rewrite: RewrittenOperation;
  /** False in dry-run: run the client's document unchanged. */
  enforce: boolean;
  outcome: 'allowed' | 'filtered' | 'dry_run';
  /** The denied fields this request asked for (with its variables), for logs and the audit trail. */
  denied: readonly DeniedPath[];
}

export interface PolicyPluginOptions {
  classification: Classification;
  mode: PolicyMode;
  metrics: PolicyMetrics;
  /** Rewrites kept per schema. Default 2,000. */
  cacheSize?: number;
  /** Called for each whole-operation refusal (the gateway's govshare_refusals_total). */
  onRefusal?: (code: string, reason: RefusalReason | 'POLICY_REWRITE_LIMIT') => void;
}

/**
 * The rewrite step of the policy, once the operation is parsed, validated (limits included)
 * and resolved, before anything is planned: applies the request's decision
 * (`context.decision`, made from the agency and its agreements) to the operation, refuses it
 * whole when it must, and leaves the rewritten operation in `context.policy` for the executor.
 *
 * Rewrites are cached by (query hash, operation name, granted scopes): the rewrite depends on
 * nothing else, so two agencies with the same rights share one entry, and the plan cache
 * (keyed on the rewritten text) one plan.
 */
export function policyPlugin(options: PolicyPluginOptions): ApolloServerPlugin<GatewayContext> {
  const caches = new WeakMap<GraphQLSchema, Lru<string, RewrittenOperation>>();
  const cacheFor = (schema: GraphQLSchema) => {
    let cache = caches.get(schema);
    if (!cache) caches.set(schema, (cache = new Lru(options.cacheSize ?? 2_000)));
    return cache;
  };

  const refuse = (reason: RefusalReason, denied: readonly DeniedPath[]) => {
    options.metrics.decided('refused');
    options.onRefusal?.('FORBIDDEN_FIELDS', reason);
    return forbiddenFields(reason, denied);
  };

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: context, schema, document, queryHash, request }) {
          const { decision } = context;
          if (decision.failedClosed) options.metrics.failedClosed();
          const cache = cacheFor(schema);
          const key = `${queryHash}\u0000${request.operationName ?? ''}\u0000${decision.scopesKey}`;
          let rewrite = cache.get(key);
          if (!rewrite) {
            const allowed = new Set<string>(decision.scopes);
            try {
              rewrite = rewriteOperation({ schema, classification: options.classification, allowed: (scope) => allowed.has(scope), document, operationName: request.operationName });
            } catch (error) {
              if (!(error instanceof RewriteLimitError)) throw error;
              options.onRefusal?.('GRAPHQL_VALIDATION_FAILED', 'POLICY_REWRITE_LIMIT');
              throw new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', reason: error.code, http: { status: 400 } } });
            }
            cache.set(key, rewrite);
          }
          if (!rewrite.changed) {
            options.metrics.decided('allowed');
            context.policy = { rewrite, enforce: true, outcome: 'allowed', denied: [] };
            return;
          }

          const denied = deniedPaths(rewrite, request.variables);
          for (const { scope } of denied) options.metrics.denied(scope);
          const who = { agency: decision.agency?.did ?? null, purpose: decision.agency?.purpose ?? null, scopes: decision.scopes };
          if (options.mode === 'dry-run') {
            options.metrics.decided('dry_run');
            context.logger.info({ ...who, wouldDeny: denied.map((d) => ({ path: d.path.join('.'), scope: d.scope })) }, 'policy dry-run: fields would be denied');
            context.policy = { rewrite, enforce: false, outcome: 'dry_run', denied };
            return;
          }
          // A write cannot be answered with null: refuse the whole mutation (see rewrite-operation.ts),
          // even when @skip would leave the denied field out: asking for it is the refusal's reason.
          if (rewrite.deniedMutationFields.length) {
            throw refuse('DENIED_MUTATION', rewrite.deniedMutationFields.map((f) => ({ path: [f.node.alias?.value ?? f.node.name.value], scope: f.scope })));
          }
          if (options.mode === 'reject' && denied.length) throw refuse('DENIED_FIELDS', denied);
          // Every denied field may be @skip-ped by this request's variables: then nothing is denied.
          const outcome = denied.length ? 'filtered' : 'allowed';
          options.metrics.decided(outcome);
          if (denied.length) context.logger.debug({ ...who, denied: denied.map((d) => ({ path: d.path.join('.'), scope: d.scope })) }, 'policy removed denied fields before planning');
          context.policy = { rewrite, enforce: true, outcome, denied };
        },
      };
    },
  };
}
