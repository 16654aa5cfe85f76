import { ConnectionError, InsufficientCreditsError, NotFoundError } from '@aicredits/sdk';
import { describe, expect, it } from 'vitest';
import {
  CreditsService,
  classifyFailure,
  describeFailure,
  ReservationNotAllowedError,
} from './credits-service';
import type { PendingSession } from './session-capture';
import { errorBody, fakeApi, type Handler } from './testing/fake-api';
import { balance, estimate, lot, usageReport, workspace } from './testing/fixtures';

const WS = '/v1/workspaces/ws_acme';
const MEMBER_TOKEN = 'ak_member_test';
const SERVER_KEY = 'ak_server_test';

function service(
  routes: Record<string, Handler>,
  options: { memberId?: string | null; serverKey?: string } = {},
) {
  const api = fakeApi(routes);
  const svc = new CreditsService({
    apiUrl: 'http://credits.test',
    workspaceId: 'ws_acme',
    memberId: options.memberId ?? null,
    token: MEMBER_TOKEN,
    sessionServerKey: options.serverKey ?? null,
    fetch: api.fetch,
  });
  return { svc, requests: api.requests };
}

const ok = (body: unknown) => () => ({ status: 200, body });

const reservation = {
  id: 'rsv_1',
  workspaceId: 'ws_acme',
  memberId: 'mem_dev',
  feature: 'coding_session',
  heldMicros: 7_000_000,
  metered: true,
  status: 'held',
  createdAt: '2025-06-10T12:00:00.000Z',
  expiresAt: '2025-06-10T16:00:00.000Z',
  settledAt: null,
  chargeId: null,
  taskKind: 'bug_fix',
};

const charge = {
  id: 'ch_rsv_1',
  workspaceId: 'ws_acme',
  reservationId: 'rsv_1',
  memberId: 'mem_dev',
  feature: 'coding_session',
  amountMicros: 4_250_000,
  outcome: 'succeeded',
  usage: null,
  priceVersion: null,
  taskKind: 'bug_fix',
  draws: [{ lotId: 'lot_1', kind: 'purchased', scope: 'workspace', amountMicros: 4_250_000 }],
  deficitMicros: 0,
  overageMicros: 0,
  overrunMicros: 0,
  createdAt: '2025-06-10T12:30:00.000Z',
};

const pending: PendingSession = {
  reservationId: 'rsv_1',
  workspaceId: 'ws_acme',
  apiUrl: 'http://credits.test',
  taskKind: 'bug_fix',
  usageFile: '/tmp/u.json',
  heldMicros: 7_000_000,
  startedAt: '2025-06-10T12:00:00.000Z',
  expiresAt: '2025-06-10T16:00:00.000Z',
};

describe('CreditsService.identify and snapshot', () => {
  it('learns a member from the balance the API answers for the token', async () => {
    const { svc, requests } = service({
      [`GET ${WS}/balance`]: ok(balance()),
      [`GET ${WS}`]: ok(workspace()),
    });
    const snap = await svc.snapshot();
    expect(snap.identity).toEqual({ memberId: 'mem_dev', role: 'member' });
    expect(snap.balance.spendableMicros).toBe(42_500_000);
    // The member's own view: seat credits count.
    expect(requests.at(-1)?.search).toBe('?memberId=mem_dev');
    expect(requests.every((r) => r.key === MEMBER_TOKEN)).toBe(true);
  });

  it('treats a pool answer as an admin without a member id', async () => {
    const { svc } = service({
      [`GET ${WS}/balance`]: ok(balance({ memberId: null, memberIncludedRemainingMicros: null })),
      [`GET ${WS}`]: ok(workspace()),
    });
    expect((await svc.snapshot()).identity).toEqual({ memberId: null, role: 'admin' });
  });

  it('reads the role from the member record when the member id is configured', async () => {
    const { svc, requests } = service(
      {
        [`GET ${WS}/members/mem_boss`]: ok({
          id: 'mem_boss',
          workspaceId: 'ws_acme',
          role: 'owner',
          seat: { paid: true, active: true },
          name: null,
          email: null,
          createdAt: '2025-01-01T00:00:00.000Z',
          updatedAt: '2025-01-01T00:00:00.000Z',
        }),
        [`GET ${WS}/balance`]: ok(balance({ memberId: 'mem_boss' })),
        [`GET ${WS}`]: ok(workspace()),
      },
      { memberId: 'mem_boss' },
    );
    expect((await svc.snapshot()).identity).toEqual({ memberId: 'mem_boss', role: 'owner' });
    await svc.snapshot();
    // The identity is cached: one member lookup for many refreshes.
    expect(requests.filter((r) => r.path.endsWith('/members/mem_boss'))).toHaveLength(1);
  });
});

describe('CreditsService.details', () => {
  it('loads lots in burn order, usage by feature and, for admins, the pool', async () => {
    const { svc, requests } = service({
      [`GET ${WS}/balance`]: ok(balance({ memberId: null })),
      [`GET ${WS}`]: ok(workspace()),
      [`GET ${WS}/lots`]: ok({ data: [lot({ id: 'lot_a' }), lot({ id: 'lot_b' })], nextCursor: null }),
      [`GET ${WS}/usage`]: ok(usageReport()),
    });
    const snap = await svc.snapshot();
    const details = await svc.details(snap);
    expect(details.lots.map((l) => l.id)).toEqual(['lot_a', 'lot_b']);
    expect(details.expiryWindowDays).toBe(30);
    expect(details.usage?.groups[0]?.key).toBe('coding_session');
    expect(details.workspaceBalance).not.toBeNull();
    expect(requests.find((r) => r.path.endsWith('/usage'))?.search).toBe('?groupBy=feature');
  });
});

describe('CreditsService.estimates', () => {
  it('keeps a failed kind as a message and throws when offline', async () => {
    const { svc } = service({
      [`GET ${WS}/balance`]: ok(balance()),
      [`POST ${WS}/estimates`]: (r) =>
        (r.body as { taskKind: string }).taskKind === 'refactor'
          ? { status: 422, body: errorBody('unknown_model', 'The pinned model "x" is not priced.') }
          : { status: 200, body: estimate({ taskKind: (r.body as { taskKind: 'bug_fix' }).taskKind }) },
    });
    const results = await svc.estimates();
    expect(results.get('bug_fix')).toMatchObject({ ok: true, estimate: { lowMicros: 5_000_000 } });
    expect(results.get('refactor')).toEqual({
      ok: false,
      message: 'The pinned model "x" is not priced. (request req_test)',
    });
  });
});

describe('CreditsService.reserve', () => {
  const routes = (allowMembers: boolean): Record<string, Handler> => ({
    [`GET ${WS}/balance`]: ok(balance()),
    [`POST ${WS}/reservations`]: (r) =>
      r.key === SERVER_KEY || allowMembers
        ? { status: 201, body: reservation }
        : { status: 403, body: errorBody('forbidden', 'Reservations and charges need a server key.') },
  });

  it('reserves with the member token when the API allows it', async () => {
    const { svc, requests } = service(routes(true));
    await svc.reserve({
      taskKind: 'bug_fix',
      estimateMicros: 7_000_000,
      ttlSeconds: 3600,
      idempotencyKey: 'k1',
    });
    const sent = requests.find((r) => r.method === 'POST');
    expect(sent).toMatchObject({
      key: MEMBER_TOKEN,
      idempotencyKey: 'k1',
      body: {
        feature: 'coding_session',
        estimateMicros: 7_000_000,
        ttlSeconds: 3600,
        taskKind: 'bug_fix',
        memberId: 'mem_dev',
      },
    });
  });

  it('falls back to the session server key on 403', async () => {
    const { svc, requests } = service(routes(false), { serverKey: SERVER_KEY });
    const held = await svc.reserve({
      taskKind: 'bug_fix',
      estimateMicros: 7_000_000,
      ttlSeconds: 3600,
      idempotencyKey: 'k2',
    });
    expect(held.id).toBe('rsv_1');
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.key)).toEqual([MEMBER_TOKEN, SERVER_KEY]);
  });

  it('says what is needed when neither key may reserve', async () => {
    const { svc } = service(routes(false));
    await expect(
      svc.reserve({ taskKind: 'bug_fix', estimateMicros: 7_000_000, ttlSeconds: 3600, idempotencyKey: 'k3' }),
    ).rejects.toBeInstanceOf(ReservationNotAllowedError);
  });

  it('surfaces 402 with the API reason code', async () => {
    const { svc } = service({
      [`GET ${WS}/balance`]: ok(balance()),
      [`POST ${WS}/reservations`]: () => ({
        status: 402,
        body: errorBody('overage_disabled', 'Included credits are used up and overage is off.'),
      }),
    });
    const error = await svc
      .reserve({ taskKind: 'bug_fix', estimateMicros: 7_000_000, ttlSeconds: 3600, idempotencyKey: 'k4' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect((error as InsufficientCreditsError).code).toBe('overage_disabled');
  });
});

describe('CreditsService.capture', () => {
  it('captures with one idempotency key per reservation', async () => {
    const { svc, requests } = service({
      [`POST ${WS}/reservations/rsv_1/capture`]: ok({
        reservation: { ...reservation, status: 'captured' },
        charge,
      }),
    });
    const result = await svc.capture(pending, { amountMicros: 4_250_000, outcome: 'succeeded' });
    expect(result?.amountMicros).toBe(4_250_000);
    expect(requests[0]?.idempotencyKey).toBe('vscode-capture-rsv_1');
  });

  it('settles a lapsed hold as a one-step charge', async () => {
    const { svc, requests } = service({
      [`GET ${WS}/balance`]: ok(balance()),
      [`POST ${WS}/reservations/rsv_1/capture`]: () => ({
        status: 409,
        body: errorBody('reservation_expired', 'The reservation expired.'),
      }),
      [`POST ${WS}/charges`]: () => ({ status: 201, body: charge }),
    });
    const result = await svc.capture(pending, { amountMicros: 4_250_000, outcome: 'failed' });
    expect(result?.id).toBe('ch_rsv_1');
    expect(requests.at(-1)?.body).toEqual({
      chargeId: 'ch_rsv_1',
      feature: 'coding_session',
      amountMicros: 4_250_000,
      outcome: 'failed',
      taskKind: 'bug_fix',
      memberId: 'mem_dev',
    });
  });

  it('voids a hold and ignores one that already lapsed', async () => {
    const { svc } = service({
      [`POST ${WS}/reservations/rsv_1/void`]: () => ({
        status: 409,
        body: errorBody('reservation_expired', 'The reservation expired.'),
      }),
    });
    await expect(svc.voidHold(pending)).resolves.toBeUndefined();
  });
});

describe('classifyFailure', () => {
  it('separates offline from rejected', () => {
    expect(classifyFailure(new ConnectionError({ message: 'refused' }))).toBe('offline');
    expect(classifyFailure(new NotFoundError({ code: 'not_found', message: 'no', status: 404 }))).toBe(
      'rejected',
    );
    expect(classifyFailure(new Error('x'))).toBe('error');
    expect(
      describeFailure(
        new NotFoundError({ code: 'not_found', message: 'Workspace "x" was not found.', status: 404 }),
      ),
    ).toBe('Not found: Workspace "x" was not found.');
  });
});
