import { type AdmissionDecision, type AdmissionRequest, admission } from './admission.js';
import { LedgerError } from './errors.js';
import {
  beginPeriod,
  type DeletionPreview,
  type DeletionResult,
  deleteWorkspace,
  deletionPreview,
  expireLots,
  type GrantLotInput,
  type GrantSeatCreditsInput,
  grantLot,
  grantSeatCredits,
  type TopUpInput,
  type TopUpResult,
  topUp,
} from './lots.js';
import {
  type CaptureInput,
  type CaptureResult,
  type ChargeInput,
  capture,
  charge,
  type ExtendReservationInput,
  expireReservations,
  extendReservation,
  type ReserveInput,
  reserve,
  voidReservation,
} from './reservations.js';
import { nextState } from './state.js';
import { type Balance, balanceOf } from './summary.js';
import type {
  BillingPeriod,
  Charge,
  Instant,
  LedgerEntry,
  Lot,
  Outcome,
  Reservation,
  WorkspacePolicy,
  WorkspaceState,
} from './types.js';

/** Settings an admin may change on a live workspace. */
export type PolicyPatch = Partial<
  Pick<WorkspacePolicy, 'overage' | 'seatPooling' | 'maxDeficitMicros' | 'hosting'>
>;

export interface MemoryLedger {
  grantLot(input: GrantLotInput, now: Instant): Outcome<Lot>;
  topUp(input: TopUpInput, now: Instant): Outcome<TopUpResult>;
  reserve(input: ReserveInput, now: Instant): Outcome<Reservation>;
  extendReservation(input: ExtendReservationInput, now: Instant): Outcome<Reservation>;
  capture(input: CaptureInput, now: Instant): Outcome<CaptureResult>;
  voidReservation(input: { readonly reservationId: string }, now: Instant): Outcome<Reservation>;
  expireReservations(now: Instant): Outcome<readonly Reservation[]>;
  charge(input: ChargeInput, now: Instant): Outcome<Charge>;
  expireLots(now: Instant): Outcome<readonly Lot[]>;
  deleteWorkspace(now: Instant): Outcome<DeletionResult>;
  grantSeatCredits(input: GrantSeatCreditsInput, now: Instant): Outcome<readonly Lot[]>;
  beginPeriod(period: BillingPeriod, now: Instant): Outcome<BillingPeriod>;
  /** Changes workspace settings (admin actions); writes no entries. */
  updatePolicy(patch: PolicyPatch): WorkspaceState;
  admission(request: AdmissionRequest, now: Instant): AdmissionDecision;
  balanceOf(now: Instant, memberId?: string): Balance;
  deletionPreview(now: Instant): DeletionPreview;
  /** Every entry written so far, in order. */
  entries(): readonly LedgerEntry[];
  /** The full state: closed lots, all reservations and every charge included. */
  state(): WorkspaceState;
  charges(): readonly Charge[];
}

/**
 * An in-memory store over the pure engine, for tests, examples and prototypes. It keeps the whole
 * history and refuses an entry id it has already stored, the way a unique key would.
 */
export function createMemoryLedger(policy: WorkspacePolicy, period: BillingPeriod): MemoryLedger {
  let current: WorkspaceState = nextState(
    {
      policy: Object.freeze({ ...policy, overage: Object.freeze({ ...policy.overage }) }),
      lots: [],
      reservations: [],
      deficitMicros: 0,
      period: Object.freeze({ ...period }),
      overageUsedMicros: 0,
      charges: [],
      appliedTopupIds: [],
    },
    {},
  );
  const log: LedgerEntry[] = [];
  const entryIds = new Set<string>();

  function apply<T>(result: Outcome<T>): Outcome<T> {
    for (const entry of result.entries) {
      if (entryIds.has(entry.id)) {
        throw new LedgerError('idempotency_conflict', `Entry "${entry.id}" is already stored.`, {
          entryId: entry.id,
        });
      }
    }
    for (const entry of result.entries) {
      entryIds.add(entry.id);
      log.push(entry);
    }
    current = result.state;
    return result;
  }

  return {
    grantLot: (input, now) => apply(grantLot(current, input, now)),
    topUp: (input, now) => apply(topUp(current, input, now)),
    reserve: (input, now) => apply(reserve(current, input, now)),
    extendReservation: (input, now) => apply(extendReservation(current, input, now)),
    capture: (input, now) => apply(capture(current, input, now)),
    voidReservation: (input, now) => apply(voidReservation(current, input, now)),
    expireReservations: (now) => apply(expireReservations(current, now)),
    charge: (input, now) => apply(charge(current, input, now)),
    expireLots: (now) => apply(expireLots(current, now)),
    deleteWorkspace: (now) => apply(deleteWorkspace(current, now)),
    grantSeatCredits: (input, now) => apply(grantSeatCredits(current, input, now)),
    beginPeriod: (next, now) => apply(beginPeriod(current, next, now)),
    updatePolicy(patch) {
      if (current.policy.deletedAt !== null) {
        throw new LedgerError('workspace_deleted', 'This workspace was deleted; its settings cannot change.');
      }
      current = nextState(current, { policy: Object.freeze({ ...current.policy, ...patch }) });
      return current;
    },
    admission: (request, now) => admission(current, request, now),
    balanceOf: (now, memberId) => balanceOf(current, now, memberId),
    deletionPreview: (now) => deletionPreview(current, now),
    entries: () => Object.freeze([...log]),
    state: () => current,
    charges: () => current.charges ?? [],
  };
}
