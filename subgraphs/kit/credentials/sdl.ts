import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const TEMPLATE = fileURLToPath(new URL('./credentials.graphql', import.meta.url));

/** `education` → `Education`: the capitalised name in root field names (issueEducationCredential). */
export function capitalised(department: string): string {
  return department.charAt(0).toUpperCase() + department.slice(1);
}

/** The credential SDL for one department (credentials.graphql with its name filled in). */
export function credentialSdl(department: string): string {
  if (!/^[a-z][a-z0-9]*$/.test(department)) throw new TypeError(`not a department name usable in field names: ${department}`);
  return fs.readFileSync(TEMPLATE, 'utf8').replaceAll('__Department__', capitalised(department)).replaceAll('__department__', department);
}

/** The root field names the credential SDL gives a department. */
export function credentialFieldNames(department: string) {
  const Department = capitalised(department);
  return {
    issue: `issue${Department}Credential`,
    revoke: `revoke${Department}Credential`,
    suspend: `suspend${Department}Credential`,
    reinstate: `reinstate${Department}Credential`,
    state: `${department}Credential`,
  } as const;
}
