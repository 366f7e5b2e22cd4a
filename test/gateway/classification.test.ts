import { describe, expect, it } from 'vitest';
import { readClassification } from '../../gateway/access/classification.ts';
import { CATEGORIES } from '../../gateway/access/categories.ts';
import { composeSupergraph } from '../../gateway/compose.ts';
import { schemaSdl } from '../../subgraphs/kit/department.ts';
import { departments } from '../support/federation.ts';

const compose = (sdls: Record<string, string>) =>
  composeSupergraph(Object.entries(sdls).map(([name, sdl]) => ({ name, url: `http://${name}/graphql`, sdl })));
const real = () => Object.fromEntries(Object.entries(departments).map(([name, d]) => [name, schemaSdl(d)]));

describe('field classification (@access)', () => {
  it('classifies every field of the composed graph, with known scopes only', () => {
    const classification = readClassification(compose(real()));
    expect(classification.get('Query.citizen')).toBe('public');
    expect(classification.get('Citizen.did')).toBe('public');
    expect(classification.get('Query.citizens')).toBe('agency');
    expect(classification.get('Citizen.criminalRecord')).toBe('justice.criminal-record');
    expect(classification.get('Citizen.taxClearance')).toBe('finance.tax');
    expect(classification.get('Citizen.degrees')).toBe('education.degree');
    const used = new Set(classification.values());
    // Every category is used by some field: an unused one is a sign of a misclassification.
    for (const category of Object.keys(CATEGORIES)) expect(used, category).toContain(category);
  });

  it('refuses a graph with an unclassified field, naming it', () => {
    const sdls = real();
    sdls.justice = sdls.justice!.replace(/criminalRecord: CriminalRecord @access\(scope: "justice.criminal-record"\)/, 'criminalRecord: CriminalRecord');
    expect(sdls.justice).not.toEqual(real().justice);
    expect(() => readClassification(compose(sdls))).toThrow(/fields without @access[^\n]*Citizen\.criminalRecord/);
  });

  it('refuses an unknown scope and a restricted non-null field', () => {
    const sdls = real();
    sdls.finance = sdls.finance!.replace('@access(scope: "finance.tax")', '@access(scope: "finance.taxes")');
    expect(() => readClassification(compose(sdls))).toThrow(/unknown or repeated scope[^\n]*"finance\.taxes"/);
    const header = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@composeDirective"])';
    const access = 'extend schema @link(url: "https://govshare.dev/access/v0.1", import: ["@access"]) @composeDirective(name: "@access") directive @access(scope: String!) on FIELD_DEFINITION';
    const strict = `${header} ${access} type Query { secret: String! @access(scope: "justice.case") }`;
    expect(() => readClassification(compose({ one: strict }))).toThrow(/restricted fields must be nullable: Query\.secret/);
  });
});
