/**
 * Reading a vendor's HTTP reply safely: a bounded size and strict UTF-8, so a hostile or broken
 * upstream cannot exhaust memory or smuggle bytes past our parsers (SECURITY.md EXT-2).
 */

/** The reply could not be read: too large or not UTF-8. */
export class InvalidResponse extends Error {}

/** Reads at most `limit` bytes of the body as UTF-8; larger or non-UTF-8 bodies are rejected. */
export async function readBodyLimited(response: Response, limit: number): Promise<string> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new InvalidResponse(`reply larger than ${limit} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new InvalidResponse(`reply larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidResponse('reply is not valid UTF-8');
  }
}
