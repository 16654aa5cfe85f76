import type {
  CaptureBody,
  CreateChargeBody,
  CreateReservationBody,
  GuardCharge,
  GuardClient,
  GuardReservation,
  RequestOptions,
} from '../src/client.js';

/** An SDK-shaped error, as the real SDK throws them (status, code, requestId). */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly requestId = 'req_fake',
  ) {
    super(`${code} (${status})`);
    this.name = 'APIError';
  }
}

export class FakeConnectionError extends Error {
  constructor() {
    super('connect ECONNREFUSED');
    this.name = 'ConnectionError';
  }
}

export interface Call {
  readonly method: 'retrieve' | 'create' | 'capture' | 'void' | 'extend' | 'charge';
  readonly workspaceId: string;
  readonly body?: unknown;
  readonly idempotencyKey?: string | undefined;
}

type Failure = (call: Call) => unknown;

/**
 * An in-memory stand-in for the SDK client: one balance per workspace, holds that count against
 * it, and a way to inject failures per call. Enough to test the guard's own decisions; the real
 * API is exercised in `e2e/`.
 */
export class FakeClient implements GuardClient {
  readonly calls: Call[] = [];
  readonly hosting = new Map<string, 'cloud' | 'self_hosted'>();
  readonly balances = new Map<string, number>();
  readonly holds = new Map<string, { workspaceId: string; heldMicros: number; status: string }>();
  readonly chargesByKey = new Map<string, GuardCharge>();
  /** Return an error to throw it instead of answering (once per call it matches). */
  failures: Failure[] = [];
  refuseCode = 'insufficient_credits';
  private sequence = 0;

  private record(call: Call): void {
    this.calls.push(call);
    for (const failure of this.failures) {
      const error = failure(call);
      if (error !== undefined) throw error;
    }
  }

  callsOf(method: Call['method']): Call[] {
    return this.calls.filter((call) => call.method === method);
  }

  readonly charges = {
    create: async (
      workspaceId: string,
      body: CreateChargeBody,
      options?: RequestOptions,
    ): Promise<GuardCharge> => {
      this.record({ method: 'charge', workspaceId, body, idempotencyKey: options?.idempotencyKey });
      const amountMicros =
        'amountMicros' in body ? body.amountMicros : body.usage.inputTokens + body.usage.outputTokens;
      this.balances.set(workspaceId, (this.balances.get(workspaceId) ?? 0) - amountMicros);
      return { id: `chg_direct_${this.calls.length}`, amountMicros };
    },
  };

  readonly workspaces = {
    retrieve: async (workspaceId: string) => {
      this.record({ method: 'retrieve', workspaceId });
      return { id: workspaceId, hosting: this.hosting.get(workspaceId) ?? 'cloud' };
    },
  };

  private spendable(workspaceId: string): number {
    let held = 0;
    for (const hold of this.holds.values()) {
      if (hold.workspaceId === workspaceId && hold.status === 'held') held += hold.heldMicros;
    }
    return (this.balances.get(workspaceId) ?? 0) - held;
  }

  readonly reservations = {
    create: async (
      workspaceId: string,
      body: CreateReservationBody,
      options?: RequestOptions,
    ): Promise<GuardReservation> => {
      this.record({ method: 'create', workspaceId, body, idempotencyKey: options?.idempotencyKey });
      const metered = this.hosting.get(workspaceId) !== 'self_hosted';
      const heldMicros = 'estimateMicros' in body ? body.estimateMicros : 1_000;
      if (metered && this.spendable(workspaceId) <= 0) throw new FakeApiError(402, this.refuseCode);
      this.sequence += 1;
      const id = `rsv_${this.sequence}`;
      this.holds.set(id, { workspaceId, heldMicros, status: 'held' });
      return {
        id,
        heldMicros,
        expiresAt: new Date(Date.now() + body.ttlSeconds * 1000).toISOString(),
        metered,
      };
    },
    capture: async (
      workspaceId: string,
      reservationId: string,
      body: CaptureBody,
      options?: RequestOptions,
    ): Promise<{ charge: GuardCharge }> => {
      this.record({ method: 'capture', workspaceId, body, idempotencyKey: options?.idempotencyKey });
      const key = options?.idempotencyKey ?? `${reservationId}`;
      const replay = this.chargesByKey.get(key);
      if (replay !== undefined) return { charge: replay };
      const hold = this.holds.get(reservationId);
      if (hold === undefined) throw new FakeApiError(404, 'not_found');
      if (hold.status === 'expired') throw new FakeApiError(409, 'reservation_expired');
      hold.status = 'captured';
      const amountMicros =
        'amountMicros' in body ? body.amountMicros : body.usage.inputTokens + body.usage.outputTokens;
      this.balances.set(workspaceId, (this.balances.get(workspaceId) ?? 0) - amountMicros);
      const charge = { id: `chg_${this.chargesByKey.size + 1}`, amountMicros };
      this.chargesByKey.set(key, charge);
      return { charge };
    },
    void: async (workspaceId: string, reservationId: string, options?: RequestOptions) => {
      this.record({
        method: 'void',
        workspaceId,
        body: { reservationId },
        idempotencyKey: options?.idempotencyKey,
      });
      const hold = this.holds.get(reservationId);
      if (hold !== undefined) hold.status = 'voided';
      return {};
    },
    extend: async (
      workspaceId: string,
      reservationId: string,
      body: { additionalMicros: number; ttlSeconds?: number },
      options?: RequestOptions,
    ): Promise<GuardReservation> => {
      this.record({ method: 'extend', workspaceId, body, idempotencyKey: options?.idempotencyKey });
      const hold = this.holds.get(reservationId);
      if (hold === undefined) throw new FakeApiError(404, 'not_found');
      if (body.additionalMicros > 0 && this.spendable(workspaceId) < body.additionalMicros) {
        throw new FakeApiError(402, this.refuseCode);
      }
      hold.heldMicros += body.additionalMicros;
      return {
        id: reservationId,
        heldMicros: hold.heldMicros,
        expiresAt: new Date(Date.now() + (body.ttlSeconds ?? 60) * 1000).toISOString(),
        metered: true,
      };
    },
  };
}

/** Fails the first call that matches, once. */
export function failOnce(match: (call: Call) => boolean, error: () => unknown): Failure {
  let used = false;
  return (call) => {
    if (used || !match(call)) return undefined;
    used = true;
    return error();
  };
}
