import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOperationAllowList, readOperationAllowList } from '../../gateway/limits/operation-allow-list.ts';

const HR = 'did:ethr:0x539:0x0000000000000000000000000000000000000001';
const COURT = 'did:ethr:0x539:0x0000000000000000000000000000000000000002';
const DEGREES = 'query Degrees($did: DID!) { citizen(did: $did) { degrees { title } } }';

describe('persisted-operation allow-list', () => {
  const list = createOperationAllowList({ [HR]: [DEGREES] });

  it('lets a listed agency send exactly its operations', () => {
    expect(list.check(HR, DEGREES)).toBeUndefined();
    expect(list.check(HR, `${DEGREES} `)?.code).toBe('PERSISTED_OPERATION_NOT_ALLOWED');
    expect(list.check(HR, '{ citizen(did: "x") { taxClearance { status } } }')?.code).toBe('PERSISTED_OPERATION_NOT_ALLOWED');
    expect(list.check(HR, undefined)?.code).toBe('PERSISTED_OPERATION_NOT_ALLOWED');
  });

  it('does not restrict agencies it does not list, nor anonymous callers', () => {
    expect(list.check(COURT, '{ anything }')).toBeUndefined();
    expect(list.check(undefined, '{ anything }')).toBeUndefined();
  });

  it('reads its file and refuses a malformed one at start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-allow-'));
    try {
      const good = path.join(dir, 'good.json');
      fs.writeFileSync(good, JSON.stringify({ [HR]: [DEGREES] }));
      expect(readOperationAllowList(good).check(HR, DEGREES)).toBeUndefined();
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ [HR]: 'not a list' }));
      expect(() => readOperationAllowList(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
      expect(() => readOperationAllowList(path.join(dir, 'missing.json'))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
