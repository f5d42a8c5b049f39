import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DossierCipher, WrongKeyError, parseEncryptionKey } from './dossierCipher.ts';

const text = new TextEncoder().encode('{"legalName":"Zoë Example"}');

describe('DossierCipher', () => {
  it('round-trips with a fresh nonce per record', () => {
    const c = new DossierCipher(randomBytes(32));
    const a = c.seal(text, 'id-1');
    const b = c.seal(text, 'id-1');
    expect(Buffer.from(a.nonce).equals(Buffer.from(b.nonce))).toBe(false);
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
    expect(new TextDecoder().decode(c.open(a, 'id-1'))).toBe('{"legalName":"Zoë Example"}');
  });

  it('refuses another key, another record id, a flipped bit and a truncated tag', () => {
    const key = randomBytes(32);
    const c = new DossierCipher(key);
    const s = c.seal(text, 'id-1');
    expect(() => new DossierCipher(randomBytes(32)).open(s, 'id-1')).toThrow(WrongKeyError);
    expect(() => c.open(s, 'id-2')).toThrow('cannot decrypt dossier: wrong encryption key');
    const flipped = Buffer.from(s.ciphertext);
    flipped[0] = flipped[0]! ^ 1;
    expect(() => c.open({ ...s, ciphertext: flipped }, 'id-1')).toThrow(WrongKeyError);
    expect(() => c.open({ ...s, tag: s.tag.slice(0, 8) }, 'id-1')).toThrow(WrongKeyError);
  });
});

describe('parseEncryptionKey', () => {
  const key = randomBytes(32);
  it('reads hex, 0x-hex, base64 and base64url', () => {
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(`0x${key.toString('hex')}`)).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
  });
  it('refuses a missing, short or malformed key', () => {
    expect(() => parseEncryptionKey(undefined)).toThrow('no dossier encryption key configured');
    expect(() => parseEncryptionKey('')).toThrow('no dossier encryption key configured');
    expect(() => parseEncryptionKey(randomBytes(16).toString('hex'))).toThrow('invalid dossier encryption key');
    expect(() => parseEncryptionKey(randomBytes(31).toString('base64'))).toThrow('invalid dossier encryption key');
    expect(() => parseEncryptionKey('correct horse battery staple')).toThrow('invalid dossier encryption key');
  });
});
