import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './database.ts';

/**
 * Applies `NNN_name.sql` files from `dir` in order, each once, each in its own
 * transaction together with its row in `schema_migrations`, so a crash mid-way
 * leaves the schema at a known version. The same files run on PGlite and on
 * PostgreSQL. Several folders can share one database, each under its own
 * `namespace` prefix.
 */
export async function migrate(db: Database, dir: string, namespace = ''): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const done = new Set((await db.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  const files = fs.readdirSync(dir).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const file of files) {
    // A namespace keeps versions of shared migrations (e.g. 'log/001_record_log') apart from a department's own.
    const version = namespace + file.slice(0, -'.sql'.length);
    if (done.has(version)) continue;
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    await db.transaction(async (tx) => {
      // Two servers migrating one PostgreSQL schema at once: the second waits here, then skips.
      await tx.query('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const again = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]);
      if (again.length) return;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    });
    applied.push(version);
  }
  return applied;
}
