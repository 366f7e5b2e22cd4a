import { ErrorCode, invalid } from './errors.ts';

/**
 * Relay-style cursor pagination over keyset queries. A cursor is the opaque
 * base64url form of the last row's sort key; a page query asks for `first + 1`
 * rows to learn whether another page follows.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
  }
  return first;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor into a key of `length` strings or numbers, or refuses it with INVALID_CURSOR. */
export function decodeCursor(cursor: string | null | undefined, length: number): (string | number)[] | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== length || !key.every((k) => typeof k === 'string' || typeof k === 'number')) {
    throw invalid(ErrorCode.INVALID_CURSOR, 'after is not a cursor this list returned', 'after');
  }
  return key;
}

/** Builds a connection from `rows` fetched with LIMIT first + 1. */
export function toConnection<Row, Node = Row>(
  rows: Row[],
  first: number,
  keyOf: (row: Row) => (string | number)[],
  toNode: (row: Row) => Node = (row) => row as unknown as Node,
): Connection<Node> {
  const page = rows.slice(0, first);
  const edges = page.map((row) => ({ cursor: encodeCursor(keyOf(row)), node: toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
