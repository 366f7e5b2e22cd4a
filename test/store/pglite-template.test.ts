import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPGlite } from '../../store/pglite.ts';

/**
 * New embedded databases are copies of one initialised cluster (store/pglite-template.ts): the
 * template is built once, concurrent openers never see half of one, and a copy is a working,
 * independent database.
 */
describe('embedded databases from a template', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-template-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const template = path.join(root, 'template');

  it('builds the template once, even for databases opened at the same time, and leaves no partial build', async () => {
    const [a, b] = await Promise.all([openPGlite(path.join(root, 'data'), 'education', { template }), openPGlite(path.join(root, 'data'), 'finance', { template })]);
    try {
      const built = fs.readdirSync(template);
      expect(built).toHaveLength(1);
      expect(built[0]).toMatch(/^pglite-\d+\.\d+\.\d+-[0-9a-f]{12}$/);
      expect(fs.existsSync(path.join(template, built[0]!, 'PG_VERSION'))).toBe(true);
      // Two independent databases: what one writes, the other does not see.
      await a.exec('CREATE TABLE notes (body text)');
      await a.query('INSERT INTO notes VALUES ($1)', ['only in education']);
      await expect(b.query('SELECT * FROM notes')).rejects.toMatchObject({ code: '42P01' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('copies the template for a new database and never touches one that exists', async () => {
    const dataDir = path.join(root, 'data');
    const again = await openPGlite(dataDir, 'education', { template });
    try {
      expect(await again.query('SELECT body FROM notes')).toEqual([{ body: 'only in education' }]);
    } finally {
      await again.close();
    }
    const fresh = await openPGlite(dataDir, 'justice', { template });
    try {
      expect(await fresh.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'notes'")).toEqual([{ n: 0 }]);
    } finally {
      await fresh.close();
    }
  });

  it('keeps the template in the data dir when none is configured', async () => {
    const dataDir = path.join(root, 'default');
    const db = await openPGlite(dataDir, 'education');
    await db.close();
    expect(fs.readdirSync(path.join(dataDir, '.pglite-template'))).toHaveLength(1);
  });
});
