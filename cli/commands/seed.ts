import { loadConfig } from '../../platform/config.ts';
import { createProgress } from '../../platform/progress.ts';
import { seedDemo } from '../../demo/seed.ts';

/** `govshare seed --citizens N`. */
export async function seedCommand(options: { citizens: number }): Promise<void> {
  const config = loadConfig();
  const progress = createProgress('seeding', options.citizens * 3);
  const report = await seedDemo(config, options.citizens, (done) => progress.update(done));
  progress.finish(
    `seeded ${report.citizens} citizens: ${report.records.education} education, ${report.records.finance} finance, ${report.records.justice} justice records written (existing ones kept)`,
  );
}
