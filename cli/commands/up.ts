import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEPARTMENTS, DEFAULT_PORTS, loadConfig, type Config } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import { createProgress } from '../../platform/progress.ts';
import { supervise } from '../../platform/supervisor.ts';
import { DEMO_AGENCIES } from '../../demo/agencies.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { seedDemo } from '../../demo/seed.ts';
import { ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { DEMO_WALLET_PASSPHRASE, ensureDemoWallets } from '../../credentials/wallet/index.ts';

const CLI = fileURLToPath(new URL('../govshare.js', import.meta.url));

/**
 * `govshare up` (what `npm start` runs): seeds demo data on the first run,
 * then runs every component as its own `govshare serve <component>` process,
 * supervised, until Ctrl-C.
 */
export async function upCommand(options: { citizens: number }): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('up');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const marker = path.join(config.dataDir, 'demo-seed.json');
  if (!fs.existsSync(marker)) {
    const progress = createProgress('first run: seeding demo data', options.citizens * 3);
    const report = await seedDemo(config, options.citizens, (done) => progress.update(done));
    progress.finish();
    fs.writeFileSync(marker, JSON.stringify({ ...report, at: new Date().toISOString() }, null, 2));
  }
  // Wallets for the first demo citizens (idempotent), so `govshare wallet` works out of the box.
  const wallets = await ensureDemoWallets({ dataDir: config.dataDir, chainId: ledgerEndpoint(config).chainId });

  const local = config.subgraphs === 'up';
  // The embedded ledger unless LEDGER_RPC_URL points at one; departments start meanwhile and anchor once it answers.
  const components = [...(config.ledgerRpcUrl ? [] : ['ledger' as const]), ...(local ? DEPARTMENTS : []), 'gateway' as const];
  const portOf = (name: (typeof components)[number]) =>
    name === 'gateway' ? config.gatewayPort : name === 'ledger' ? config.ledgerPort : DEFAULT_PORTS[name];
  const supervisor = supervise(
    components.map((name) => ({
      name,
      command: process.execPath,
      args: [CLI, 'serve', name],
      // PORT is per component: never pass the parent's down to every child.
      env: { PORT: String(portOf(name)) },
    })),
    logger,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping govshare...\n');
    void supervisor.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const gateway = `http://127.0.0.1:${config.gatewayPort}`;
  const ready = await waitForReady(`${gateway}/ready`, 180_000, () => stopping);
  if (ready) process.stdout.write(banner(config, gateway, options.citizens, wallets));
  else if (!stopping) logger.error({ url: `${gateway}/ready` }, 'the gateway did not become ready; see the logs above');
  process.exitCode = await supervisor.done;
}

async function waitForReady(url: string, timeoutMs: number, cancelled: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !cancelled()) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

function banner(config: Config, gateway: string, citizens: number, wallets: readonly { index: number; name: string; file: string }[]): string {
  const sample = demoCitizens(Math.min(citizens, 5));
  const departments =
    config.subgraphs === 'up'
      ? DEPARTMENTS.map((d) => `    ${d.padEnd(10)} http://127.0.0.1:${DEFAULT_PORTS[d]}/graphql`).join('\n')
      : DEPARTMENTS.map((d) => `    ${d.padEnd(10)} ${(config.subgraphs as Record<string, string>)[d]}`).join('\n');
  const storage = config.dbUrl ? `PostgreSQL (${new URL(config.dbUrl).host})` : `embedded PGlite under ${config.dataDir}`;
  const ledger = config.ledgerRpcUrl ? `${config.ledgerRpcUrl} (chain ${config.ledgerChainId})` : `embedded EVM http://127.0.0.1:${config.ledgerPort} (chain 1337)`;
  return `
govshare is up.

  gateway     ${gateway}/graphql   (health ${gateway}/health, ready ${gateway}/ready, metrics ${gateway}/metrics)
  departments
${departments}
  storage     ${storage}
  ledger      ${ledger}   (npx govshare ledger status)

  demo citizens (${citizens} seeded; first ${sample.length}):
${sample.map((c) => `    ${c.name.padEnd(16)} ${c.did}`).join('\n')}

  demo wallets (passphrase "${DEMO_WALLET_PASSPHRASE}"):
${wallets.map((w) => `    ${w.name.padEnd(16)} ${w.file}`).join('\n')}
    e.g. GOVSHARE_WALLET=${wallets[0]?.file} GOVSHARE_WALLET_PASSPHRASE=${DEMO_WALLET_PASSPHRASE} npx govshare wallet list

  demo agencies: ${Object.keys(DEMO_AGENCIES).join(', ')}
    a bearer token: npx govshare agency token civil-affairs   (DIDs: npx govshare agency list)

  try:
    curl -s ${gateway}/graphql -H 'content-type: application/json' \\
      -d '{"query":"{ citizen(did: \\"${sample[0]?.did}\\") { did name taxClearance { status } degrees { title } criminalRecord { clean } } }"}'

Ctrl-C stops everything.
`;
}
