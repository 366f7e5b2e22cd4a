import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { print, type DocumentNode } from 'graphql';
import type { Logger } from '../../platform/log.ts';
import { sha256Hex, type AuditEntry, type AuditRelease } from './audit-entry.ts';
import type { AuditWriter } from './audit-writer.ts';
import { releasedFields } from './released-fields.ts';
import type { AuditedContext, PolicyOutcome } from './request-audit.ts';

/** Codes that mean "stopped before policy decided anything". */
const REFUSAL_CODES = new Set(['UNAUTHENTICATED', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'RATE_LIMITED', 'PERSISTED_OPERATION_NOT_ALLOWED']);
/** Codes of a whole operation refused by policy. */
const POLICY_REFUSAL_CODES = new Set(['FORBIDDEN_FIELDS']);

/**
 * The audit trail's one job in the request path: every GraphQL request that reaches Apollo,
 * granted or refused, becomes an audit entry committed BEFORE the answer leaves (the response
 * waits for the group commit). If the trail cannot record it, the answer is withheld and replaced
 * by an AUDIT_UNAVAILABLE error: data is never released unrecorded.
 */
export function auditPlugin<Context extends AuditedContext>(options: {
  writer: AuditWriter;
  logger?: Logger;
  now?: () => Date;
  /** What policy decided for this request (default: what the context's RequestAudit holds). */
  outcomeOf?: (context: Context) => PolicyOutcome | undefined;
}): ApolloServerPlugin<Context> {
  const now = options.now ?? (() => new Date());
  return {
    async requestDidStart() {
      return {
        async willSendResponse(requestContext) {
          const body = requestContext.response.body;
          // Incremental delivery is off in this gateway; a single result is all there is.
          if (body.kind !== 'single') return;
          const policy = options.outcomeOf ? options.outcomeOf(requestContext.contextValue) : requestContext.contextValue.audit?.policy;
          const entry = auditEntryOf(requestContext, body.singleResult, now(), policy);
          try {
            await options.writer.record(entry);
          } catch (error) {
            options.logger?.error({ err: error, requestId: entry.requestId }, 'request withheld: its audit entry could not be written');
            body.singleResult = {
              data: null,
              errors: [{ message: 'the audit trail is unavailable; nothing was released', extensions: { code: 'AUDIT_UNAVAILABLE' } }],
            } as typeof body.singleResult;
            requestContext.response.http.status = 503;
          }
        },
      };
    },
  };
}

function auditEntryOf<Context extends AuditedContext>(
  requestContext: GraphQLRequestContext<Context>,
  result: { data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[] },
  at: Date,
  policy: PolicyOutcome | undefined,
): AuditEntry {
  const { contextValue: context, request } = requestContext;
  const audit = context.audit;
  const errorCodes = (result.errors ?? []).map((e) => e.extensions?.code).filter((c): c is string => typeof c === 'string');
  const refusalCode = result.data == null ? errorCodes.find((c) => REFUSAL_CODES.has(c)) : undefined;
  const policyRefusal = result.data == null ? errorCodes.find((c) => POLICY_REFUSAL_CODES.has(c)) : undefined;

  const releases: AuditRelease[] = [];
  if (result.data && requestContext.document && requestContext.schema) {
    const released = releasedFields(requestContext.schema, requestContext.document, requestContext.operationName ?? request.operationName, request.variables, result.data);
    for (const [citizen, fields] of released) {
      const sorted = [...fields].sort();
      const consent = policy?.consents?.get(citizen);
      const categories = [...new Set(sorted.map((f) => policy?.categoryOf?.(f)).filter((c): c is string => !!c))].sort();
      releases.push({ citizen, fields: sorted, categories, consent: consent?.consent ?? null });
    }
  }

  return {
    at,
    requestId: context.requestId,
    agencyDid: context.agency?.did ?? null,
    purpose: context.agency?.purpose ?? null,
    decision: refusalCode ? 'refused' : policyRefusal ? 'denied' : policy?.decision ?? 'granted',
    code: refusalCode ?? policyRefusal ?? policy?.code ?? null,
    operationName: requestContext.operationName ?? request.operationName ?? null,
    operationHash: requestContext.document ? operationHashOf(requestContext.document) : request.query ? sha256Hex(request.query) : null,
    requestHash: sha256Hex(JSON.stringify({ query: request.query ?? null, operationName: request.operationName ?? null, variables: request.variables ?? null, extensions: request.extensions ?? null })),
    responseHash: sha256Hex(JSON.stringify(result)),
    agreements: policy?.agreements ?? [],
    subgraphs: [...(audit?.subgraphs ?? [])].sort(),
    deniedPaths: policy?.deniedPaths ?? [],
    releases,
  };
}

/**
 * SHA-256 of the operation as printed (so whitespace and comments do not change it). Apollo keeps
 * one parsed document per operation text in its document store and hands the same object to
 * every request with that text, so the print (a walk of the whole tree, about 2 % of the
 * gateway's event loop when done per request) is done once per document.
 */
const operationHashes = new WeakMap<DocumentNode, string>();
function operationHashOf(document: DocumentNode): string {
  let hash = operationHashes.get(document);
  if (hash === undefined) operationHashes.set(document, (hash = sha256Hex(print(document))));
  return hash;
}
