import type { StorageConfig } from '../store/open.ts';
import type { Department } from '../subgraphs/kit/department.ts';
import { openDepartmentStore } from '../subgraphs/kit/open-store.ts';
import { education } from '../subgraphs/education/index.ts';
import { finance } from '../subgraphs/finance/index.ts';
import { justice } from '../subgraphs/justice/index.ts';
import { demoCitizens, type DemoCitizen } from './citizens.ts';
import { seedEducation } from './education.ts';
import { seedFinance } from './finance.ts';
import { seedJustice } from './justice.ts';

type DepartmentSeed<Store> = (store: Store, citizens: DemoCitizen[], onProgress: (done: number) => void) => Promise<{ records: number }>;

export interface SeedReport {
  citizens: number;
  records: Record<'education' | 'finance' | 'justice', number>;
}

/**
 * Writes the demo population into every department through each
 * department's own store (the same code paths as its mutations). Ids are
 * deterministic, so seeding again adds only what is missing.
 *
 * Opens each department's database directly: with embedded storage the
 * departments must not be running (their data dirs are locked).
 */
export async function seedDemo(
  config: StorageConfig,
  count: number,
  onProgress?: (done: number, total: number) => void,
): Promise<SeedReport> {
  const citizens = demoCitizens(count);
  const total = count * 3;
  let before = 0;
  const report = (done: number) => onProgress?.(before + done, total);

  // Finance first: it keeps the taxpayer register that lists every citizen.
  async function seedOne<Store>(department: Department<Store>, seed: DepartmentSeed<Store>): Promise<number> {
    const { db, store } = await openDepartmentStore(department, config);
    try {
      return (await seed(store, citizens, report)).records;
    } finally {
      await db.close();
      before += count;
    }
  }
  const records = {
    finance: await seedOne(finance, seedFinance),
    education: await seedOne(education, seedEducation),
    justice: await seedOne(justice, seedJustice),
  };
  return { citizens: count, records };
}
