import type { Queryable } from '../../store/database.ts';
import { HASH_SIZE } from '../merkle.ts';

/**
 * The tree's nodes as tiles (table merkle_tiles): node (level, index) is the
 * 32 bytes at offset 32 * (index % TILE_NODES) of tile (level, index / TILE_NODES).
 * Nodes complete in increasing index order within a level, so a tile only
 * ever grows at its end (the database refuses anything else).
 */
export const TILE_NODES = 256;

/** Nodes completed by one integration, per level: contiguous indexes from `first`. */
export class TileWriter {
  readonly #levels: { first: number; hashes: Uint8Array[] }[] = [];

  put(level: number, index: number, hash: Uint8Array): void {
    let run = this.#levels[level];
    if (!run) this.#levels[level] = run = { first: index, hashes: [] };
    if (index !== run.first + run.hashes.length) throw new RangeError(`node (${level}, ${index}) out of order`);
    run.hashes.push(hash);
  }

  /**
   * Writes the nodes in one statement: a new tile is inserted, the partial
   * right-edge tile gets the new hashes appended. Every written tile's length
   * is checked against what the nodes say it must be, so a tile that was not
   * as the head expects fails the integration instead of shifting nodes.
   */
  async write(tx: Queryable): Promise<number> {
    const levels: number[] = [];
    const tiles: number[] = [];
    const offsets: number[] = [];
    const lengths: number[] = [];
    const chunks: Uint8Array[] = [];
    let total = 0;
    const expected = new Map<string, number>();
    this.#levels.forEach((run, level) => {
      if (!run) return;
      let position = 0;
      while (position < run.hashes.length) {
        const index = run.first + position;
        const tile = Math.floor(index / TILE_NODES);
        const count = Math.min(run.hashes.length - position, TILE_NODES - (index % TILE_NODES));
        for (let k = 0; k < count; k++) chunks.push(run.hashes[position + k]!);
        levels.push(level);
        tiles.push(tile);
        offsets.push(total);
        lengths.push(count * HASH_SIZE);
        total += count * HASH_SIZE;
        expected.set(`${level}:${tile}`, ((index % TILE_NODES) + count) * HASH_SIZE);
        position += count;
      }
    });
    if (levels.length === 0) return 0;
    // All the new bytes as one hex text parameter, cut into tiles by the database:
    // PGlite encodes a bytea or bytea[] parameter several times slower than a text one.
    const written = await tx.query<{ level: number; tile: number; length: number }>(
      `INSERT INTO merkle_tiles AS t (level, tile, hashes)
         SELECT u.level, u.tile, substring(b.bytes FROM u.off + 1 FOR u.len)
           FROM (SELECT decode($5, 'hex') AS bytes) b, unnest($1::smallint[], $2::bigint[], $3::int[], $4::int[]) AS u(level, tile, off, len)
         ON CONFLICT (level, tile) DO UPDATE SET hashes = t.hashes || EXCLUDED.hashes
       RETURNING level, tile, octet_length(hashes) AS length`,
      [levels, tiles, offsets, lengths, Buffer.concat(chunks, total).toString('hex')],
    );
    if (written.length !== levels.length) throw new Error(`wrote ${written.length} tiles of ${levels.length}`);
    for (const row of written) {
      if (expected.get(`${row.level}:${row.tile}`) !== Number(row.length)) {
        throw new Error(`tile (${row.level}, ${row.tile}) holds ${row.length} bytes, not the ${expected.get(`${row.level}:${row.tile}`)} the log head implies: refusing to integrate`);
      }
    }
    return levels.length;
  }
}

/** The tiles holding `ids`, fetched in one query; node hashes sliced out as copies. */
export async function readTileNodes(db: Queryable, ids: readonly { level: number; index: number }[]): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  if (ids.length === 0) return found;
  const wanted = new Map<string, { level: number; tile: number }>();
  for (const { level, index } of ids) {
    const tile = Math.floor(index / TILE_NODES);
    wanted.set(`${level}:${tile}`, { level, tile });
  }
  const list = [...wanted.values()];
  const rows = await db.query<{ level: number; tile: number; hashes: Uint8Array }>(
    'SELECT t.level, t.tile, t.hashes FROM merkle_tiles t JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, tile) ON t.level = w.level AND t.tile = w.tile',
    [list.map((w) => w.level), list.map((w) => w.tile)],
  );
  const tiles = new Map(rows.map((r) => [`${r.level}:${r.tile}`, r.hashes]));
  for (const { level, index } of ids) {
    const tile = tiles.get(`${level}:${Math.floor(index / TILE_NODES)}`);
    const offset = (index % TILE_NODES) * HASH_SIZE;
    if (tile && tile.length >= offset + HASH_SIZE) found.set(`${level}:${index}`, new Uint8Array(tile.subarray(offset, offset + HASH_SIZE)));
  }
  return found;
}
