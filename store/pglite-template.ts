import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/**
 * A new embedded database starts as a copy of a freshly initialised cluster instead of running
 * initdb itself. PGlite's initdb (WASM) takes seconds; copying its result takes a fraction of
 * that, and a deployment creates one database per department plus the gateway's, a test run
 * hundreds. The copy is byte for byte what initdb wrote, before any of our own SQL ran, so the
 * database that results is the one PGlite would have made.
 *
 * The template is kept under `root` (by default `<dataDir>/.pglite-template`, as trusted as the
 * data itself: a template is run as the database's own catalog, so it must never come from a
 * place others can write), one per PGlite version and start parameters. It is built once, in a
 * directory of its own, and renamed into place, so concurrent processes never see half of one:
 * the first rename wins and the others discard theirs.
 */
export async function createFromTemplate(target: string, root: string, startParams: string[]): Promise<void> {
  const template = path.join(root, templateName(startParams));
  if (!fs.existsSync(path.join(template, 'PG_VERSION'))) {
    fs.mkdirSync(root, { recursive: true });
    const building = `${template}.building-${process.pid}-${randomUUID()}`;
    try {
      const pg = await PGlite.create(building, { startParams });
      await pg.close();
      fs.renameSync(building, template);
    } catch (error) {
      // Another process renamed its template into place first: use that one.
      if (!fs.existsSync(path.join(template, 'PG_VERSION'))) throw error;
    } finally {
      fs.rmSync(building, { recursive: true, force: true });
    }
  }
  fs.cpSync(template, target, { recursive: true });
}

/** PGlite's version and the start parameters: a template made by another version or with other settings is never used. */
function templateName(startParams: string[]): string {
  const packageJson = path.join(path.dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))), '..', 'package.json');
  const { version } = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string };
  const settings = createHash('sha256').update(JSON.stringify(startParams)).digest('hex').slice(0, 12);
  return `pglite-${version}-${settings}`;
}
