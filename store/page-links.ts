import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Keyring } from './keyring';

/**
 * Short-lived links to a page's plaintext image, which the API serves to the OCR workers (全文识别): a presigned URL
 * of the store would give them ciphertext, and they hold no key and no store credential. A link names the page, its
 * expiry and the KEK whose derived key signs it (HMAC-SM3), so the worker that makes links and the API that serves
 * them share nothing but the keyring.
 */
export interface PageLink {
  pageId: string;
  /** Seconds since the epoch. */
  expires: number;
  kek: string;
  signature: string;
}

export type LinkCheck = { ok: true } | { ok: false; reason: string };

export function pageLink(keyring: Keyring, pageId: string, seconds: number, now = Date.now()): PageLink {
  const kek = keyring.current();
  const expires = Math.floor(now / 1000) + seconds;
  return { pageId, expires, kek: kek.id, signature: signatureOf(kek.key, pageId, expires) };
}

export function pageLinkUrl(apiUrl: string, link: PageLink): string {
  const q = new URLSearchParams({ expires: String(link.expires), kek: link.kek, signature: link.signature });
  return `${apiUrl.replace(/\/$/, '')}/recognition/pages/${link.pageId}/image?${q.toString()}`;
}

export function checkPageLink(keyring: Keyring, link: PageLink, now = Date.now()): LinkCheck {
  const kek = keyring.byId(link.kek);
  if (!kek) return { ok: false, reason: 'the link is signed with a key this installation does not hold' };
  const expected = Buffer.from(signatureOf(kek.key, link.pageId, link.expires), 'hex');
  const given = Buffer.from(link.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'the link signature does not match' };
  // The OCR worker tells an expired link by the word, and the workflow hands the page out again with a new one.
  if (link.expires * 1000 < now) return { ok: false, reason: 'the link has expired' };
  return { ok: true };
}

function signatureOf(kekKey: Buffer, pageId: string, expires: number): string {
  const linkKey = createHmac('sm3', kekKey).update('lantai-recognition-link/1').digest();
  return createHmac('sm3', linkKey).update(`${pageId}\n${expires}`).digest('hex');
}
