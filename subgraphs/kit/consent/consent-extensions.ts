import type { ApolloServerPlugin } from '@apollo/server';
import type { SubgraphContext } from '../department.ts';

/**
 * Tells the gateway which consents a response released data under: `extensions.consents`,
 * `[{ citizen, consent, categories, root }]` (the citizen's DID as the request named it, the
 * consent's jti, the categories released under it, and the response key of the root field they
 * were released under, with which the gateway splits a fetch it merged from several requests), so the gateway's audit trail can name the
 * consent each release relied on (gateway/audit: PolicyOutcome.consents). Only on responses
 * that released something under consent; nothing else changes.
 */
export function consentExtensions(): ApolloServerPlugin<SubgraphContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.consent) return;
      return {
        async willSendResponse({ contextValue: context, response }) {
          const relied = context.consent?.relied() ?? [];
          if (relied.length === 0 || response.body.kind !== 'single') return;
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, consents: relied };
        },
      };
    },
  };
}
