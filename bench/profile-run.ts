import fs from 'node:fs';
import path from 'node:path';
import { demoCitizens } from '../demo/citizens.ts';
import { seed, startFederation } from './federation.ts';
import { runLoad, type LoadResult } from './load.ts';
import { formatProfile, summariseProfile } from './profile.ts';
import { ROOT } from './processes.ts';
import { fixed } from './report.ts';
import { bodies, targets, type Target } from './targets.ts';

/**
 * `npm run bench -- --profile`: where the CPU goes on the cross-department
 * query. Both gateways and the three departments run under `node --cpu-prof`;
 * each gateway gets a warm-up pass, then one measured pass (same load as the
 * bench: 16 connections, fresh tokens), and every profile is summarised over
 * exactly that pass (start-up and warm-up cut off), so the departments'
 * profiles show what each gateway costs them. Profiling slows a process by
 * 10-20 %, so this mode writes no figures; the profiles are kept under
 * bench/results/profiles/ for Chrome DevTools or speedscope.
 *
 * A V8 profile samples the JS thread's wall time: time inside a system call
 * (`writev` on a socket) includes any moment the process was descheduled
 * there, which on two busy cores is often. The CPU ms/req figures (from
 * /proc) are the CPU actually used.
 */
export async function profileGateways(options: { tmp: string; quick: boolean; log: (line: string) => void; out: (line: string) => void; mergeFetches: boolean }): Promise<void> {
  const { tmp, quick, log, out, mergeFetches } = options;
  const citizens = quick ? 50 : 200;
  const rotated = Math.min(citizens, 100);
  const seconds = quick ? 8 : 20;
  const dataDir = path.join(tmp, 'data');
  const logDir = path.join(tmp, 'logs');
  const profileDir = path.join(tmp, 'profiles');
  log(`profile: seeding ${citizens} demo citizens`);
  await seed({ dataDir, logDir, citizens, log });
  const federation = await startFederation({ dataDir, logDir, citizens, log, profileDir, mergeFetches });
  const passes: Array<{ target: Target; result: LoadResult }> = [];
  try {
    const list = targets({ finance: { ...federation.departments.finance, headers: federation.gatewayHeaders.finance }, ours: federation.ours, bare: federation.bare }).filter((t) => t.id === 'ours-cross' || t.id === 'bare-cross');
    const dids = demoCitizens(rotated).map((c) => c.did);
    for (const target of list) {
      log(`profile: ${target.label}, ${seconds} s after 3 s of warm-up`);
      const result = await runLoad(
        {
          url: target.url,
          bodies: bodies(target.query, dids),
          connections: 16,
          warmupSeconds: 3,
          seconds,
          tokens: { credentials: federation.agency, expectedRate: 500 },
        },
        path.join(logDir, `profile-${target.id}.log`),
        { serverPid: target.pid, pids: federation.backEnd, counters: federation.departmentRequests },
      );
      federation.assertRunning();
      passes.push({ target, result });
    }
  } finally {
    // The profiles are written as the gateways exit.
    await federation.close();
  }
  const written = fs.existsSync(profileDir) ? fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')) : [];
  // Profile files are named CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile.
  // Thread 0 is the main one; our gateway's audit trail runs in a worker thread with a profile of its own.
  const ofProcess = (pid: number, mainThread: boolean) => written.filter((f) => f.split('.')[3] === String(pid) && (f.split('.')[4] === '0') === mainThread);
  const profileOf = (pid: number) => ofProcess(pid, true)[0];
  const threadsOf = (pid: number) => ofProcess(pid, false);
  const keep = path.join(ROOT, 'bench', 'results', 'profiles');
  fs.mkdirSync(keep, { recursive: true });
  const copied = new Set<string>();
  for (const { target, result } of passes) {
    out('');
    out(`== ${target.label}: ${fixed(result.reqPerSec, 1)} good answers/s under the profiler, p99 ${fixed(result.latencyMs.p99, 2)} ms, ${fixed(result.serverCpuMsPerRequest, 3)} CPU ms/req, ${result.failed + result.socketErrors} bad`);
    const others = Object.entries(result.cpuMsPerRequestOf ?? {});
    if (others.length) out(`   CPU ms per request of the back end in the same pass: ${others.map(([name, ms]) => `${name} ${fixed(ms, 3)}`).join(', ')}`);
    const fetches = Object.entries(result.countsPerRequest ?? {});
    if (fetches.length) out(`   requests each department got per answer: ${fetches.map(([name, n]) => `${name} ${fixed(n, 2)}`).join(', ')}`);
    const file = profileOf(target.pid);
    if (!file) {
      out(`   no profile written (files: ${written.join(', ') || 'none'})`);
      continue;
    }
    const kept = path.join(keep, `${target.id}.cpuprofile`);
    fs.copyFileSync(path.join(profileDir, file), kept);
    formatProfile(summariseProfile(kept, result.windowUs), out);
    out(`(whole profile: ${path.relative(process.cwd(), kept)})`);
    // Our gateway's audit trail is a worker thread; tsx's loader runs in one per process (and per
    // worker) too. Those that did next to nothing in the pass are left out.
    for (const threadFile of threadsOf(target.pid)) {
      const threadId = threadFile.split('.')[4];
      const threadKept = path.join(keep, `${target.id}-thread-${threadId}.cpuprofile`);
      fs.copyFileSync(path.join(profileDir, threadFile), threadKept);
      const summary = summariseProfile(threadKept, result.windowUs);
      if (summary.busyMs < 0.01 * summary.wallMs) continue;
      out('');
      out(`-- ${target.label}, worker thread ${threadId} during this pass`);
      formatProfile(summary, out, 25, ['area', 'function']);
    }
    // The departments serve both gateways: each of their profiles is cut to this pass too.
    for (const [name, pid] of Object.entries(federation.backEnd)) {
      const departmentFile = profileOf(pid);
      if (!departmentFile) continue;
      const departmentKept = path.join(keep, `${name}.cpuprofile`);
      // Copied once per run (both passes read it); a file left by an earlier run is replaced.
      if (!copied.has(departmentKept)) fs.copyFileSync(path.join(profileDir, departmentFile), departmentKept);
      copied.add(departmentKept);
      out('');
      out(`-- ${name} department during this pass`);
      formatProfile(summariseProfile(departmentKept, result.windowUs), out, 12, ['area']);
    }
  }
}
