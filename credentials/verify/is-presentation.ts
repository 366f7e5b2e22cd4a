/**
 * Whether a JWT claims to be a presentation (its payload has a `vp` claim): only a peek to
 * choose the pipeline; the pipeline itself decodes and checks everything.
 */
export function isPresentationJwt(jwt: string): boolean {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return !!payload && typeof payload === 'object' && 'vp' in payload;
  } catch {
    return false;
  }
}
