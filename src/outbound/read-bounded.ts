/**
 * Reads an HTTP answer's body up to a size, so a runaway answer (a query
 * returning every series, a misbehaving status page) cannot fill the
 * worker's memory: beyond `maxBytes` the read stops and `tooLarge` is set.
 */
export async function readBounded(response: Response, maxBytes: number): Promise<{ text: string; tooLarge: boolean; bytes: number }> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return { text: '', tooLarge: true, bytes: declared };
  }
  if (!response.body) return { text: '', tooLarge: false, bytes: 0 };
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { text: '', tooLarge: true, bytes };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: false, bytes };
}
