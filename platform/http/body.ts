import type { IncomingMessage } from 'node:http';
import { GovshareError } from '../errors.ts';

/** 413: the body is larger than the server accepts. */
export class BodyTooLargeError extends GovshareError {
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`, { detail: { limit } });
  }
}

/**
 * Reads a request body up to `limit` bytes and stops reading beyond it, so an
 * oversized body costs at most `limit` bytes of memory.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
