/**
 * Whether two DIDs name the same subject. DIDs compare as strings, except that a did:ethr's
 * address is hex whose case is only an EIP-55 checksum: an issuer writing the subject's address
 * checksummed still means our lower-case DID (anchor/ledger/did.ts writes lower case).
 */
export function sameDid(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

const DID_ETHR = /^(did:ethr:(?:[a-z0-9]+:)?)(0x[0-9a-fA-F]{40})$/;

function canonical(did: string): string {
  const match = DID_ETHR.exec(did);
  return match ? `${match[1]}${match[2]!.toLowerCase()}` : did;
}
