import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.ts';

/**
 * Summary of a V8 CPU profile (`node --cpu-prof`, a `.cpuprofile` file): self
 * time per function, per source file and per package or project folder, as a
 * share of the time the process was busy (idle time left out). Self time is
 * where the CPU actually was, so it points at what to make cheaper; callers
 * that only wait on others show up small.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  ms: number;
  /** Share of busy time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  byFunction: ProfileRow[];
  byFile: ProfileRow[];
  byArea: ProfileRow[];
}

/**
 * `window` (µs on process.hrtime's clock, which V8 profiles share) keeps only
 * the samples taken then, e.g. one measured pass without the start-up.
 */
export function summariseProfile(file: string, window?: { start: number; end: number }, top = 30): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const from = window?.start ?? -Infinity;
  const to = window?.end ?? Infinity;
  // timeDeltas[i] is the time since the previous sample: it belongs to sample i.
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < from || at > to) continue;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + delta / 1000);
  }
  const wallUs = Math.min(to, profile.endTime) - Math.max(from, profile.startTime);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busy = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    busy += ms;
    const file = shortFile(url);
    const fn = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    add(byFunction, fn, ms);
    add(byFile, file || functionName, ms);
    add(byArea, area(file, functionName), ms);
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: busy > 0 ? ms / busy : 0 }));
  return { wallMs: Math.round(wallUs / 1000), busyMs: Math.round(busy), byFunction: rows(byFunction), byFile: rows(byFile), byArea: rows(byArea) };
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

/** A path relative to the project (node_modules paths from the package name on), or the node: builtin. */
function shortFile(url: string): string {
  if (!url) return '';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) return file.slice(modules + '/node_modules/'.length);
  return file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
}

/**
 * Where a file belongs, coarsely: a package (`@apollo/gateway`, `graphql`,
 * `@electric-sql/pglite`), a project folder two levels deep (`gateway/auth`,
 * `credentials/verify`), node's own JS (`node:internal`), or V8's buckets
 * (`(garbage collector)`, `(program)`: native code outside JS, e.g. OpenSSL).
 */
function area(file: string, functionName: string): string {
  if (!file) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  if (file.startsWith('node:')) return file.startsWith('node:internal/') ? `node:${file.split('/')[1]}` : file;
  const parts = file.split('/');
  if (!file.startsWith('/') && !file.includes('..')) {
    const isPackage = !/^(gateway|credentials|anchor|platform|subgraphs|store|cli|demo|bench)\//.test(file);
    if (isPackage) return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return file;
}

/** The summary as printable lines. */
export function formatProfile(summary: ProfileSummary, out: (line: string) => void, rows = 25, views: Array<'area' | 'file' | 'function'> = ['area', 'file', 'function']): void {
  out(`CPU profile: ${summary.busyMs} ms busy over ${summary.wallMs} ms of wall time (${((100 * summary.busyMs) / Math.max(1, summary.wallMs)).toFixed(0)} % of one core)`);
  const all = { area: ['self time by area (package or project folder)', summary.byArea], file: ['self time by file', summary.byFile], function: ['self time by function', summary.byFunction] } as const;
  for (const [title, list] of views.map((view) => all[view])) {
    out('');
    out(title);
    for (const row of list.slice(0, rows)) out(`  ${(100 * row.share).toFixed(1).padStart(5)} %  ${String(row.ms).padStart(6)} ms  ${row.name}`);
  }
}
