import { type AicreditsClient, createClient } from '@aicredits/sdk';
import { type CliConfig, type Env, type GlobalFlags, resolveConfig } from './config.js';
import { type Io, Output } from './output.js';

/** What every command action gets: resolved configuration, an SDK client and the output. */
export interface Context {
  config: CliConfig;
  client: AicreditsClient;
  out: Output;
  env: Env;
}

export function createContext(flags: GlobalFlags, io: Io, env: Env): Context {
  const config = resolveConfig(flags, env);
  const client = createClient({ baseUrl: config.apiUrl, apiKey: config.apiKey });
  return { config, client, out: new Output(io, config.json), env };
}
