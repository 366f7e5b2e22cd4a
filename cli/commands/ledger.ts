import { loadConfig } from '../../platform/config.ts';
import { ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { ledgerStatus } from '../../anchor/ledger/status.ts';

/** `govshare ledger status [--json]`. Exit 1 when the ledger cannot be reached. */
export async function ledgerStatusCommand(options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const status = await ledgerStatus({ ...ledgerEndpoint(config), dataDir: config.dataDir });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  } else {
    const lines = [
      `ledger      ${status.rpcUrl}  chain ${status.chainId}  ${status.reachable ? `block ${status.blockNumber}` : `UNREACHABLE (${status.error?.code})`}`,
      'contracts',
      ...Object.entries(status.contracts).map(([name, address]) => `  ${name.padEnd(22)} ${address ?? '(not deployed)'}`),
      'latest anchored checkpoints',
      ...(status.checkpoints.length
        ? status.checkpoints.map(
            (c) => `  ${(c.logName ?? c.logId).padEnd(22)} size ${String(c.treeSize).padEnd(8)} root ${c.root}  block ${c.blockNumber} (${new Date(c.blockTimestamp * 1000).toISOString()})`,
          )
        : ['  (none yet)']),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (!status.reachable) process.exitCode = 1;
}
