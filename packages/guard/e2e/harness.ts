import { type RunningService, startService } from '@aicredits/api';
import { type AicreditsClient, createClient } from '@aicredits/sdk';

/** One real credits API (embedded, in memory, test clock on) and a platform client for setup. */
export interface Api {
  readonly service: RunningService;
  readonly platform: AicreditsClient;
  /** A client for `baseUrl` (default: the service) holding `apiKey`. */
  clientFor(
    apiKey: string,
    baseUrl?: string,
    options?: { maxRetries?: number; timeoutMs?: number },
  ): AicreditsClient;
  close(): Promise<void>;
}

export async function startApi(): Promise<Api> {
  const service = await startService({
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    testClock: true,
    logLevel: 'error',
  });
  if (service.platformKey === null) throw new Error('expected a generated platform key');
  const clientFor = (
    apiKey: string,
    baseUrl = service.url,
    options: { maxRetries?: number; timeoutMs?: number } = {},
  ) => createClient({ baseUrl, apiKey, ...options });
  return {
    service,
    platform: clientFor(service.platformKey),
    clientFor,
    close: () => service.close(),
  };
}

export interface WorkspaceSetup {
  hosting?: 'cloud' | 'self_hosted';
  /** `credits`: the Plane model (refusals say `overage_disabled`); `usd`: prepaid (default). */
  unit?: 'usd' | 'credits';
  /** A pooled promotional lot of this much (none when 0). */
  fundsMicros?: number;
  maxDeficitMicros?: number;
  overage?: { enabled: boolean; monthlyCapMicros: number | null };
  includedMicrosPerSeat?: number;
  /** Members to create (as active paid seats). */
  members?: readonly string[];
}

export interface TestWorkspace {
  readonly workspaceId: string;
  readonly serverKey: string;
  readonly server: AicreditsClient;
}

let counter = 0;

/** A fresh workspace with members, a server key and (optionally) a funded pooled lot. */
export async function createWorkspace(api: Api, setup: WorkspaceSetup = {}): Promise<TestWorkspace> {
  counter += 1;
  const settings: Record<string, unknown> = {};
  if (setup.maxDeficitMicros !== undefined) settings.maxDeficitMicros = setup.maxDeficitMicros;
  if (setup.overage !== undefined) settings.overage = setup.overage;
  if (setup.includedMicrosPerSeat !== undefined) settings.includedMicrosPerSeat = setup.includedMicrosPerSeat;
  const workspace = await api.platform.workspaces.create({
    name: `guard e2e ${counter}`,
    hosting: setup.hosting ?? 'cloud',
    unit: setup.unit ?? 'usd',
    settings,
  });
  for (const memberId of setup.members ?? []) {
    await api.platform.members.upsert(workspace.id, memberId, {
      role: 'member',
      seat: { paid: true, active: true },
    });
  }
  if ((setup.fundsMicros ?? 0) > 0) {
    await api.platform.lots.grant(workspace.id, {
      kind: 'promotional',
      amountMicros: setup.fundsMicros ?? 0,
      expiresAt: null,
      reason: 'guard e2e funds',
    });
  }
  const key = await api.platform.apiKeys.create(workspace.id, { type: 'server' });
  return { workspaceId: workspace.id, serverKey: key.secret, server: api.clientFor(key.secret) };
}
