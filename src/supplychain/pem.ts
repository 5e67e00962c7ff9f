import { decodeBase64, encodeBase64, isBase64Problem } from './base64.js';

export interface PemBlock {
  type: string;
  der: Buffer;
}

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every well-formed PEM block in the text, in order. Headers (`Proc-Type: …`) are skipped. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK_RE)) {
    const body = (m[2] ?? '')
      .split(/\r?\n/)
      .filter((line) => line !== '' && !line.includes(':'))
      .join('');
    const der = decodeBase64(body);
    if (!isBase64Problem(der)) blocks.push({ type: m[1] ?? '', der });
  }
  return blocks;
}

/** PEM as Go's pem.EncodeToMemory writes it: 64-character lines and a final newline. */
export function pemEncode(type: string, der: Uint8Array): string {
  const lines = encodeBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}
