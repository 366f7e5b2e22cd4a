import { createHash } from 'node:crypto';
import { computeAddress, SigningKey } from 'ethers';
import { pick, seededRandom } from './ids.ts';

/**
 * The demo population: deterministic citizens with did:ethr identifiers on the
 * demo chain (chain id 1337 = 0x539, DESIGN.md: the network part must be the hex
 * chain id). Demo keys are derived from a public seed: they are for demos and
 * tests only, never for real data.
 */
export const DEMO_CHAIN_ID_HEX = '0x539';

export interface DemoCitizen {
  index: number;
  did: string;
  /** Demo-only private key (hex); the wallet issue gives citizens real keys. */
  privateKey: string;
  name: string;
  birthDate: string;
  city: string;
}

const CHINESE_SURNAMES = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Guo', 'Lin', 'He', 'Gao', 'Luo'];
const CHINESE_GIVEN = ['Wei', 'Fang', 'Na', 'Xiuying', 'Min', 'Jing', 'Li', 'Qiang', 'Lei', 'Jun', 'Yang', 'Yong', 'Yan', 'Jie', 'Tao', 'Ming', 'Chao', 'Xiulan', 'Xia', 'Ping', 'Hui', 'Yu', 'Zihan', 'Haoran', 'Yuxuan'];
const INTERNATIONAL = [
  ['Amelia', 'Hughes'], ['Mateo', 'García'], ['Aisha', 'Okafor'], ['Lukas', 'Schneider'], ['Priya', 'Raman'],
  ['Yuki', 'Tanaka'], ['Olga', 'Ivanova'], ['Kwame', 'Mensah'], ['Sofia', 'Rossi'], ['Noah', 'Dubois'],
  ['Fatima', 'Haddad'], ['Minh', 'Nguyen'], ['Ji-woo', 'Park'], ['Lucas', 'Silva'], ['Emma', 'Johansson'],
] as const;
const CITIES = ['Beijing', 'Shanghai', 'Guangzhou', 'Shenzhen', 'Hangzhou', 'Chengdu', 'Wuhan', "Xi'an", 'Nanjing', 'Hong Kong'];

export function demoCitizen(index: number): DemoCitizen {
  const privateKey = '0x' + createHash('sha256').update(`govshare-demo-citizen:${index}`).digest('hex');
  const address = computeAddress(new SigningKey(privateKey).publicKey).toLowerCase();
  const random = seededRandom(`citizen:${index}`);
  // About one in five demo citizens is an international resident.
  const name =
    random() < 0.2
      ? (([given, family]) => `${given} ${family}`)(pick(random, INTERNATIONAL))
      : `${pick(random, CHINESE_SURNAMES)} ${pick(random, CHINESE_GIVEN)}`;
  const year = 1960 + Math.floor(random() * 45);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  return {
    index,
    did: `did:ethr:${DEMO_CHAIN_ID_HEX}:${address}`,
    privateKey,
    name,
    birthDate: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    city: pick(random, CITIES),
  };
}

export function demoCitizens(count: number): DemoCitizen[] {
  return Array.from({ length: count }, (_, i) => demoCitizen(i));
}
