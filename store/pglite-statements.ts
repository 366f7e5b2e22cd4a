import { parse, protocol, type PGlite } from '@electric-sql/pglite';

/**
 * Parameterised statements on PGlite, each in one protocol exchange and parsed once: named
 * prepared statements, as postgres.js and the JDBC driver (past its prepareThreshold) use them
 * on a PostgreSQL server, here applied to the embedded one. store/pglite.ts sets
 * plan_cache_mode = force_custom_plan, so each execution is still planned for its own values.
 *
 * `PGlite.query` sends every statement as six separate wire messages (Parse, Describe
 * statement, Bind, Describe portal, Execute, Sync), each a trip into the WASM backend, and
 * Postgres parses the text each time. On WASM those fixed costs are most of what a short
 * statement costs: a department's `SELECT … WHERE holder_did = ANY($1)` took markedly longer
 * than this way, and every department request and every audit commit is such a statement.
 *
 * What stays exactly as `PGlite.query` does it: the parameter types are the ones Postgres infers
 * at Parse (learnt once, from the statement's ParameterDescription), each value is serialised by
 * PGlite's serialiser for that type, and rows are parsed by PGlite's own result parser with the
 * instance's parsers. Only the round trips and the repeated parsing go.
 *
 * Prepared statements live as long as the backend (they are not transactional), so a statement
 * prepared in a transaction that rolls back stays usable. At most `max` are kept; the least
 * recently used is closed when a new one needs its place. A statement whose result columns
 * changed under it (a migration altered its table: SQLSTATE 0A000, "cached plan must not change
 * result type") is prepared again once.
 *
 * The caller serialises access (store/pglite.ts runs every call under PGlite's own locks), so
 * that no other message reaches the backend between Parse and Execute.
 */
export interface PreparedStatements {
  run<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

interface Statement {
  name: string;
  /** Parameter type OIDs as Postgres inferred them at Parse. */
  types: number[];
}

const RESULT_TYPE_CHANGED = '0A000';

export function preparedStatements(pg: PGlite, options: { max?: number } = {}): PreparedStatements {
  const max = options.max ?? 256;
  // Map order is use order: a hit is moved to the end, the first entry is the least recently used.
  const statements = new Map<string, Statement>();
  // Closed statements are closed at the start of the next exchange (a Close costs no trip of its own).
  let toClose: string[] = [];
  let counter = 0;

  const exchange = async (messages: Uint8Array[]) => {
    const closing = toClose.map((name) => protocol.serialize.close({ type: 'S', name }));
    toClose = [];
    return (await pg.execProtocol(concat([...closing, ...messages, protocol.serialize.sync()]))).messages;
  };

  const prepare = async (sql: string): Promise<Statement> => {
    const name = `govshare_${++counter}`;
    const replies = await exchange([protocol.serialize.parse({ name, text: sql }), protocol.serialize.describe({ type: 'S', name })]);
    const statement = { name, types: parse.parseDescribeStatementResults(replies) };
    if (statements.size >= max) {
      const [oldestSql, oldest] = statements.entries().next().value!;
      statements.delete(oldestSql);
      toClose.push(oldest.name);
    }
    statements.set(sql, statement);
    return statement;
  };

  const execute = async <Row>(statement: Statement, params: readonly unknown[]): Promise<Row[]> => {
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const serialize = pg.serializers[statement.types[i]!];
      return serialize ? serialize(param) : String(param);
    });
    const replies = await exchange([
      protocol.serialize.bind({ statement: statement.name, values }),
      protocol.serialize.describe({ type: 'P' }),
      protocol.serialize.execute({}),
    ]);
    return (parse.parseResults(replies, pg.parsers)[0]?.rows ?? []) as Row[];
  };

  return {
    async run<Row>(sql: string, params: readonly unknown[] = []) {
      if (pg.closed) throw new Error('PGlite is closed');
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
        statements.set(sql, statement);
      } else {
        statement = await prepare(sql);
      }
      try {
        return await execute<Row>(statement, params);
      } catch (error) {
        if ((error as { code?: string }).code !== RESULT_TYPE_CHANGED || !/cached plan/.test((error as Error).message)) throw error;
        statements.delete(sql);
        toClose.push(statement.name);
        return execute<Row>(await prepare(sql), params);
      }
    },
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
