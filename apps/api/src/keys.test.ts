import { IdSchema } from '@aicredits/contract';
import { describe, expect, it } from 'vitest';
import { fingerprint, generateApiKey, hashesEqual, hashSecret, orderedId, parseApiKey } from './keys.js';

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

  it('makes ordered ids that sort in the order they were made, many within one millisecond', () => {
    const ids = Array.from({ length: 5_000 }, () => orderedId('res'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 10)) expect(IdSchema.safeParse(id).success).toBe(true);
    expect(ids[0]).toMatch(/^res_[0-9a-f]{18}[A-Za-z0-9]+$/);
  });
});
