import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';

const env = {
  AICREDITS_API_URL: 'http://env.example',
  AICREDITS_API_KEY: 'ak_env',
  AICREDITS_WORKSPACE: 'ws_env',
};

describe('resolveConfig', () => {
  it('takes the environment when no flag is given', () => {
    expect(resolveConfig({}, env)).toEqual({
      apiUrl: 'http://env.example',
      apiKey: 'ak_env',
      workspaceId: 'ws_env',
      memberId: undefined,
      json: false,
    });
  });

  it('lets flags win over the environment', () => {
    const config = resolveConfig(
      { apiUrl: 'http://flag.example', apiKey: 'ak_flag', workspace: 'ws_flag', member: 'm1', json: true },
      { ...env, AICREDITS_MEMBER: 'm_env' },
    );
    expect(config).toEqual({
      apiUrl: 'http://flag.example',
      apiKey: 'ak_flag',
      workspaceId: 'ws_flag',
      memberId: 'm1',
      json: true,
    });
  });

  it('names the flag and the variable of what is missing', () => {
    expect(() => resolveConfig({}, {})).toThrow(/--api-url or set AICREDITS_API_URL/);
    expect(() => resolveConfig({}, { AICREDITS_API_URL: 'http://x' })).toThrow(/--api-key/);
    expect(() => resolveConfig({}, { AICREDITS_API_URL: 'http://x', AICREDITS_API_KEY: ' ' })).toThrow(
      /--api-key/,
    );
    expect(() => resolveConfig({ apiUrl: 'http://x', apiKey: 'k' }, {})).toThrow(
      /--workspace or set AICREDITS_WORKSPACE/,
    );
  });
});
