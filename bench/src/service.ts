import { type RunningService, startService } from '@aicredits/api';
import { dropSchema, freshSchema, type StoreKind } from './stores.js';

export const PLATFORM_KEY = 'ak_platform_benchbenchbenchbench0001';

export interface BenchService {
  service: RunningService;
  close(): Promise<void>;
}

/** The real service on loopback, on a fresh PostgreSQL schema or an in-memory PGlite. */
export async function startBenchService(
  kind: StoreKind,
  label: string,
  databaseUrl: string,
): Promise<BenchService> {
  const common = {
    port: 0,
    host: '127.0.0.1',
    platformKey: PLATFORM_KEY,
    logLevel: 'silent' as const,
    dashboardDir: null,
  };
  if (kind === 'pglite') {
    const service = await startService({ ...common, dataDir: 'memory://' });
    return { service, close: () => service.close() };
  }
  const schema = freshSchema(label);
  const service = await startService({ ...common, databaseUrl, databaseSchema: schema });
  return {
    service,
    async close() {
      await service.close();
      await dropSchema(databaseUrl, schema);
    },
  };
}
