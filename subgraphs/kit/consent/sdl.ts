import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { capitalised } from '../credentials/sdl.ts';

const TEMPLATE = fileURLToPath(new URL('./consent.graphql', import.meta.url));

/** The consent SDL for one department (consent.graphql with its name filled in). */
export function consentSdl(department: string): string {
  if (!/^[a-z][a-z0-9]*$/.test(department)) throw new TypeError(`not a department name usable in field names: ${department}`);
  return fs.readFileSync(TEMPLATE, 'utf8').replaceAll('__Department__', capitalised(department)).replaceAll('__department__', department);
}

/** The root field names the consent SDL gives a department. */
export function consentFieldNames(department: string) {
  const Department = capitalised(department);
  return { register: `register${Department}Consent`, revoke: `revoke${Department}Consent`, list: `my${Department}Consents` } as const;
}
