import type { Resolvers, SubgraphContext } from '../kit/department.ts';
import { byKey, groupBy, loader } from '../kit/loaders.ts';
import { recordProofResolver } from '../kit/record-proof.ts';
import type { Connection } from '../kit/pagination.ts';
import type {
  AccessRequestRow,
  AddPartyInput,
  CaseFilter,
  CaseRow,
  ChangeCaseStatusInput,
  ConvictionRow,
  CourtRow,
  DecideEvidenceAccessInput,
  EvidenceRow,
  JudgmentRow,
  JusticeStore,
  OpenCaseInput,
  PartyRow,
  PublicCaseStatusRow,
  RecordJudgmentInput,
  RecordedTable,
  RegisterCourtInput,
  RegisterEvidenceInput,
  RequestEvidenceAccessInput,
  StatusChangeRow,
} from './store.ts';

/**
 * GraphQL over the justice store. Rows become camelCase objects here; each
 * keeps the foreign keys it needs (courtId, caseId, ...) so the fields that
 * follow them resolve through per-request loaders: a page of 20 cases costs
 * one query for their courts, one for their parties, and so on.
 */

interface CitizenRef {
  did: string;
}

const toCourt = (row: CourtRow) => ({ id: row.id, name: row.name, level: row.level, city: row.city, recordedAt: row.recorded_at });

const toCase = (row: CaseRow) => ({
  id: row.id,
  caseNumber: row.case_number,
  courtId: row.court_id,
  kind: row.kind,
  title: row.title,
  status: row.status,
  filedOn: row.filed_on,
  recordedAt: row.recorded_at,
});
type CaseNode = ReturnType<typeof toCase>;

const toStatusChange = (row: StatusChangeRow) => ({
  id: row.id,
  status: row.status,
  previousStatus: row.from_status,
  changedOn: row.changed_on,
  note: row.note,
  recordedAt: row.recorded_at,
});

const toParty = (row: PartyRow) => ({ id: row.id, caseId: row.case_id, did: row.did, name: row.name, role: row.role });
type PartyNode = ReturnType<typeof toParty>;

const toJudgment = (row: JudgmentRow) => ({
  id: row.id,
  caseId: row.case_id,
  partyId: row.party_id,
  verdict: row.verdict,
  offence: row.offence,
  sentence: row.sentence,
  decidedOn: row.decided_on,
});
type JudgmentNode = ReturnType<typeof toJudgment>;

const toEvidence = (row: EvidenceRow) => ({
  id: row.id,
  caseId: row.case_id,
  title: row.title,
  mediaType: row.media_type,
  sizeBytes: row.size_bytes,
  contentDigest: row.content_digest,
  submittedBy: row.submitted_by,
  submittedAt: row.submitted_at,
});
type EvidenceNode = ReturnType<typeof toEvidence>;

const toAccessRequest = (row: AccessRequestRow) => ({
  id: row.id,
  evidenceId: row.evidence_id,
  requester: row.requester,
  reason: row.reason,
  status: row.status,
  decisionId: row.decision_id,
  decidedBy: row.decided_by,
  decidedAt: row.decided_at,
  note: row.note,
  requestedAt: row.requested_at,
});
type AccessRequestNode = ReturnType<typeof toAccessRequest>;

const toPublicStatus = (row: PublicCaseStatusRow) => ({
  caseNumber: row.case_number,
  courtName: row.court_name,
  kind: row.kind,
  status: row.status,
  filedOn: row.filed_on,
  lastStatusChangeOn: row.status_changed_on,
});

function mapConnection<Row, Node>(connection: Connection<Row>, toNode: (row: Row) => Node): Connection<Node> {
  return { ...connection, edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: toNode(edge.node) })) };
}

/** The request's loaders: one batched query per kind of lookup. */
function loadersFor(store: JusticeStore, context: SubgraphContext) {
  const byId = <Row extends { id: string }>(name: string, fetch: (ids: readonly string[]) => Promise<Row[]>) =>
    loader<string, Row | null>(context, `justice.${name}`, async (ids) => byKey(ids, await fetch(ids), (row) => row.id));
  const grouped = <Row>(name: string, fetch: (keys: readonly string[]) => Promise<Row[]>, keyOf: (row: Row) => string) =>
    loader<string, Row[]>(context, `justice.${name}`, async (keys) => groupBy(keys, await fetch(keys), keyOf));
  return {
    court: byId('courtById', store.courtsByIds),
    case: byId('caseById', store.casesByIds),
    party: byId('partyById', store.partiesByIds),
    evidence: byId('evidenceById', store.evidenceByIds),
    statusHistory: grouped('statusHistoryByCase', store.statusHistoryByCaseIds, (row) => row.case_id),
    partiesOfCase: grouped('partiesByCase', store.partiesByCaseIds, (row) => row.case_id),
    partiesOfDid: grouped('partiesByDid', store.partiesByDids, (row) => row.did!),
    judgmentsOfCase: grouped('judgmentsByCase', store.judgmentsByCaseIds, (row) => row.case_id),
    evidenceOfCase: grouped('evidenceByCase', store.evidenceByCaseIds, (row) => row.case_id),
    accessRequestsOfEvidence: grouped('accessRequestsByEvidence', store.accessRequestsByEvidenceIds, (row) => row.evidence_id),
    convictionsOfDid: grouped<ConvictionRow>('convictionsByDid', store.convictionsByDids, (row) => row.did),
  };
}

const mapOrNull = <Row, Node>(row: Row | null | undefined, toNode: (row: Row) => Node): Node | null => (row ? toNode(row) : null);

export function createJusticeResolvers(store: JusticeStore): Resolvers {
  const load = (context: SubgraphContext) => loadersFor(store, context);
  const caseOf = async (caseId: string, context: SubgraphContext) => mapOrNull(await load(context).case.load(caseId), toCase);
  // `proof` of each record type: its row's latest entry in the department's Merkle log (batched per request).
  const proofOf = (table: RecordedTable) => recordProofResolver(store.db, table);
  const decisionProof = proofOf('evidence_access_decisions');

  return {
    Query: {
      citizen: (_: unknown, args: { did: string }): CitizenRef => ({ did: args.did }),
      courts: async (_: unknown, args: { first?: number; after?: string }) => mapConnection(await store.listCourts(args), toCourt),
      court: async (_: unknown, args: { id: string }) => mapOrNull(await store.courtById(args.id), toCourt),
      cases: async (_: unknown, args: CaseFilter) => mapConnection(await store.listCases(args), toCase),
      case: async (_: unknown, args: { id: string }) => mapOrNull(await store.caseById(args.id), toCase),
      caseStatus: async (_: unknown, args: { caseNumber: string }) => mapOrNull(await store.publicCaseStatus(args.caseNumber), toPublicStatus),
      evidence: async (_: unknown, args: { id: string }) => mapOrNull(await store.evidenceById(args.id), toEvidence),
    },

    Mutation: {
      registerCourt: async (_: unknown, args: { input: RegisterCourtInput }) => ({ court: toCourt(await store.registerCourt(args.input)) }),
      openCase: async (_: unknown, args: { input: OpenCaseInput }) => ({ case: toCase(await store.openCase(args.input)) }),
      addParty: async (_: unknown, args: { input: AddPartyInput }) => ({ party: toParty(await store.addParty(args.input)) }),
      changeCaseStatus: async (_: unknown, args: { input: ChangeCaseStatusInput }) => {
        const result = await store.changeCaseStatus(args.input);
        return { case: toCase(result.case), change: toStatusChange(result.change) };
      },
      recordJudgment: async (_: unknown, args: { input: RecordJudgmentInput }) => ({ judgment: toJudgment(await store.recordJudgment(args.input)) }),
      registerEvidence: async (_: unknown, args: { input: RegisterEvidenceInput }) => ({ evidence: toEvidence(await store.registerEvidence(args.input)) }),
      requestEvidenceAccess: async (_: unknown, args: { input: RequestEvidenceAccessInput }) => ({
        request: toAccessRequest(await store.requestEvidenceAccess(args.input)),
      }),
      decideEvidenceAccess: async (_: unknown, args: { input: DecideEvidenceAccessInput }) => ({
        request: toAccessRequest(await store.decideEvidenceAccess(args.input)),
      }),
    },

    Citizen: {
      // The gateway sends { __typename, did }; any DID is a citizen here (with or without records).
      __resolveReference: (reference: CitizenRef): CitizenRef => ({ did: reference.did }),
      caseParticipations: async (citizen: CitizenRef, _: unknown, context: SubgraphContext) =>
        (await load(context).partiesOfDid.load(citizen.did)).map(toParty),
      criminalRecord: async (citizen: CitizenRef, _: unknown, context: SubgraphContext) => {
        // citizenDid (not in the schema): whose record and convictions these are, for consent.
        const convictions = (await load(context).convictionsOfDid.load(citizen.did)).map((row) => ({ ...toJudgment(row), citizenDid: row.did }));
        return { clean: convictions.length === 0, convictions, checkedAt: new Date().toISOString(), citizenDid: citizen.did };
      },
    },

    Court: {
      proof: proofOf('courts'),
    },

    JusticeCase: {
      proof: proofOf('cases'),
      court: async (node: CaseNode, _: unknown, context: SubgraphContext) => mapOrNull(await load(context).court.load(node.courtId), toCourt),
      statusHistory: async (node: CaseNode, _: unknown, context: SubgraphContext) =>
        (await load(context).statusHistory.load(node.id)).map(toStatusChange),
      parties: async (node: CaseNode, _: unknown, context: SubgraphContext) => (await load(context).partiesOfCase.load(node.id)).map(toParty),
      evidence: async (node: CaseNode, _: unknown, context: SubgraphContext) => (await load(context).evidenceOfCase.load(node.id)).map(toEvidence),
      judgments: async (node: CaseNode, _: unknown, context: SubgraphContext) =>
        (await load(context).judgmentsOfCase.load(node.id)).map(toJudgment),
    },

    CaseStatusChange: {
      proof: proofOf('case_status_changes'),
    },

    CaseParty: {
      proof: proofOf('case_parties'),
      case: (node: PartyNode, _: unknown, context: SubgraphContext) => caseOf(node.caseId, context),
      citizen: (node: PartyNode): CitizenRef | null => (node.did ? { did: node.did } : null),
    },

    Judgment: {
      proof: proofOf('judgments'),
      case: (node: JudgmentNode, _: unknown, context: SubgraphContext) => caseOf(node.caseId, context),
      party: async (node: JudgmentNode, _: unknown, context: SubgraphContext) => mapOrNull(await load(context).party.load(node.partyId), toParty),
    },

    Evidence: {
      proof: proofOf('evidence'),
      case: (node: EvidenceNode, _: unknown, context: SubgraphContext) => caseOf(node.caseId, context),
      accessRequests: async (node: EvidenceNode, _: unknown, context: SubgraphContext) =>
        (await load(context).accessRequestsOfEvidence.load(node.id)).map(toAccessRequest),
    },

    EvidenceAccessRequest: {
      proof: proofOf('evidence_access_requests'),
      // The decision is a record of its own (evidence_access_decisions), named by its id.
      decisionProof: (node: AccessRequestNode, args: unknown, context: SubgraphContext) =>
        node.decisionId ? decisionProof({ id: node.decisionId }, args, context) : null,
      evidence: async (node: AccessRequestNode, _: unknown, context: SubgraphContext) =>
        mapOrNull(await load(context).evidence.load(node.evidenceId), toEvidence),
    },
  };
}
