/**
 * Encryption at rest of KYC dossiers: AES-256-GCM (node:crypto) with a 32-byte key from
 * configuration, a fresh random 12-byte nonce per record and the 16-byte tag checked on every
 * read. The record's id is bound as associated data, so a ciphertext moved to another row does
 * not open either.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BaseError, InputError } from '../shared/errors.ts';

export type Sealed = { nonce: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array };

export class WrongKeyError extends BaseError {
  override name = 'WrongKeyError';
  constructor(cause?: unknown) {
    super('cannot decrypt dossier: wrong encryption key', {
      status: 500,
      code: 'WRONG_ENCRYPTION_KEY',
      cause,
    });
  }
}

/** A 32-byte key written as 64 hex digits (optionally 0x-prefixed) or as base64. */
export function parseEncryptionKey(text: string | undefined): Buffer {
  if (text === undefined || text.trim() === '') {
    throw new InputError('no dossier encryption key configured', {
      details: 'set PALISADE_KYC_KEY to 32 bytes in hex (64 digits) or base64, e.g. `openssl rand -hex 32`',
      code: 'NO_ENCRYPTION_KEY',
    });
  }
  const t = text.trim();
  const hex = t.startsWith('0x') ? t.slice(2) : t;
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  if (/^[A-Za-z0-9+/_-]{42,43}={0,2}$/.test(t)) {
    const key = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
    if (key.length === 32) return key;
  }
  throw new InputError('invalid dossier encryption key', {
    details: 'expected 32 bytes as 64 hex digits or base64',
    code: 'BAD_ENCRYPTION_KEY',
  });
}

export class DossierCipher {
  readonly #key: Buffer;

  constructor(key: string | Uint8Array) {
    const k = typeof key === 'string' ? parseEncryptionKey(key) : Buffer.from(key);
    if (k.length !== 32) throw new InputError('invalid dossier encryption key', { details: 'expected 32 bytes' });
    this.#key = k;
  }

  seal(plaintext: Uint8Array, associatedData: string): Sealed {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { nonce, ciphertext, tag: cipher.getAuthTag() };
  }

  /** The plaintext, or `WrongKeyError` when the tag does not verify (other key, or tampered). */
  open(sealed: Sealed, associatedData: string): Buffer {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(sealed.nonce), { authTagLength: 16 });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag));
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch (cause) {
      throw new WrongKeyError(cause);
    }
  }
}
