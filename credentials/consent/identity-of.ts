/**
 * The identity a DID names, for comparisons: a did:ethr's address is case-insensitive (EIP-55
 * case is only a checksum), so 0xAbC… and 0xabc… are one citizen, agency or gateway; other
 * methods compare as written.
 */
export function identityOf(did: string): string {
  return did.startsWith('did:ethr:') ? did.toLowerCase() : did;
}
