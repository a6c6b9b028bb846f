// The bytes behind a URL: read from disk in Node for file: URLs, fetched otherwise.
const isNode = typeof process === 'object' && !!process.versions?.node;

export async function readUrl(url, who) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${who}: could not load ${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
