import fs from 'node:fs';
import path from 'node:path';
import type { Figures } from './figures.ts';
import type { LoadResult } from './load.ts';
import type { Target, TargetId } from './targets.ts';

/** A number with `digits` decimals; '-' for none (a pass with no answers has no latency). */
export function fixed(n: number | null | undefined, digits: number): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/** Prints the figures as a table: id, value, unit, baseline, ratio, note. */
export function printFigures(figures: Figures, skipped: Record<string, string>, out: (line: string) => void): void {
  const rows = [
    ['id', 'value', 'unit', 'baseline', 'ratio', 'note'],
    ...Object.entries(figures).map(([id, f]) => [id, String(f.value), f.unit, f.baseline === undefined ? '' : String(f.baseline), f.ratio === undefined ? '' : f.ratio.toFixed(3), f.note ?? '']),
    ...Object.entries(skipped).map(([id, reason]) => [id, '-', '', '', '', `NOT MEASURED: ${reason}`]),
  ];
  printTable(rows, out);
}

/** The raw measurements behind the figures, one row per target and round. */
export function printMeasurements(targets: Target[], results: Record<TargetId, LoadResult[]>, out: (line: string) => void): void {
  // CPU: of the process answering (the subgraph for the direct target, else the gateway).
  const rows = [['target', 'round', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'CPU ms/req', 'good', 'bad']];
  for (const target of targets) {
    results[target.id].forEach((r, i) => {
      rows.push([
        target.label,
        String(i + 1),
        fixed(r.reqPerSec, 1),
        fixed(r.latencyMs.p50, 2),
        fixed(r.latencyMs.p90, 2),
        fixed(r.latencyMs.p99, 2),
        fixed(r.latencyMs.max, 1),
        fixed(r.serverCpuMsPerRequest, 3),
        String(r.ok),
        String(r.failed + r.socketErrors),
      ]);
    });
  }
  printTable(rows, out);
}

function printTable(rows: string[][], out: (line: string) => void): void {
  // The last column (notes) is left unpadded: it is long and wraps.
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, col) => (col === row.length - 1 ? cell : /^[\d.-]+$/.test(cell) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  out(line(rows[0]!));
  out(widths.map((w, col) => '-'.repeat(col === widths.length - 1 ? 4 : w)).join('  '));
  for (const row of rows.slice(1)) out(line(row));
}

/** bench/results/latest.json, exactly the shape DESIGN.md gives. */
export function writeFigures(file: string, figures: Figures): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
}
