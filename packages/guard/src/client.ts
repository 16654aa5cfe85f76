import type { PriceTable } from './prices.js';

/**
 * The part of the `@aicredits/sdk` client the guard uses. Written as a structural type so a test
 * can hand the guard a small fake, while `createClient(...)` from the SDK satisfies it as is.
 */

export interface UsageEstimate {
  readonly model?: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens?: number;
  readonly sandboxSeconds?: number;
}

export interface CaptureUsage {
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly sandboxSeconds: number;
}

export type ChargeOutcome = 'succeeded' | 'failed' | 'partial';

export type CreateReservationBody = {
  feature: string;
  memberId?: string;
  ttlSeconds: number;
} & ({ estimateMicros: number } | { usageEstimate: UsageEstimate });

export type CaptureBody =
  | { amountMicros: number; outcome: ChargeOutcome }
  | { usage: CaptureUsage; outcome: ChargeOutcome };

export interface RequestOptions {
  idempotencyKey?: string;
}

export interface GuardWorkspace {
  readonly id: string;
  readonly hosting: 'cloud' | 'self_hosted';
}

export interface GuardReservation {
  readonly id: string;
  readonly heldMicros: number;
  readonly expiresAt: string;
  /** False when the workspace is self-hosted: nothing is held or charged. */
  readonly metered: boolean;
}

export interface GuardCharge {
  readonly id: string;
  readonly amountMicros: number;
}

export interface CaptureResult {
  /** `null` when the reservation was unmetered (self-hosted). */
  readonly charge: GuardCharge | null;
}

export type CreateChargeBody = {
  feature: string;
  memberId?: string;
} & CaptureBody;

export interface GuardClient {
  readonly workspaces: {
    retrieve(workspaceId: string): Promise<GuardWorkspace>;
  };
  readonly reservations: {
    create(
      workspaceId: string,
      body: CreateReservationBody,
      options?: RequestOptions,
    ): Promise<GuardReservation>;
    capture(
      workspaceId: string,
      reservationId: string,
      body: CaptureBody,
      options?: RequestOptions,
    ): Promise<CaptureResult>;
    void(workspaceId: string, reservationId: string, options?: RequestOptions): Promise<unknown>;
    extend(
      workspaceId: string,
      reservationId: string,
      body: { additionalMicros: number; ttlSeconds?: number },
      options?: RequestOptions,
    ): Promise<GuardReservation>;
  };
  /** One-step charge: how work whose hold lapsed is still settled at its real cost. */
  readonly charges?: {
    create(workspaceId: string, body: CreateChargeBody, options?: RequestOptions): Promise<GuardCharge>;
  };
  /** The price table in force; used only to price usage locally (see `GuardOptions.prices`). */
  readonly prices?: {
    retrieve(): Promise<PriceTable>;
  };
}
