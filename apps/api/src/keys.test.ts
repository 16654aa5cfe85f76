import { describe, expect, it } from 'vitest';
import { fingerprint, generateApiKey, hashesEqual, hashSecret, parseApiKey } from './keys.js';

describe('API keys', () => {
  it('generates ak_<type>_ keys whose lookup part finds them and whose hash verifies them', () => {
    for (const type of ['platform', 'server', 'member'] as const) {
      const key = generateApiKey(type);
      expect(key.secret.startsWith(`ak_${type}_`)).toBe(true);
      expect(parseApiKey(key.secret)).toEqual({ type, lookup: key.lookup });
      expect(hashesEqual(hashSecret(key.secret), key.hash)).toBe(true);
      expect(key.hash).not.toContain(key.secret);
    }
    expect(parseApiKey('sk_live_x')).toBeNull();
    expect(parseApiKey('ak_server_short')).toBeNull();
  });

  it('fingerprints requests independently of key order', () => {
    expect(fingerprint('POST', '/a', { x: 1, y: [1, { b: 2, a: 1 }] })).toBe(
      fingerprint('POST', '/a', { y: [1, { a: 1, b: 2 }], x: 1 }),
    );
    expect(fingerprint('POST', '/a', { x: 1 })).not.toBe(fingerprint('POST', '/a', { x: 2 }));
    expect(fingerprint('POST', '/a', { x: 1 })).not.toBe(fingerprint('POST', '/b', { x: 1 }));
  });
});
