import type { Db } from './db.js';

/**
 * Numbered migrations, applied in order at start and recorded in `schema_migrations`. All of
 * them run in one transaction under an advisory lock, so replicas starting together apply each
 * exactly once. Append new migrations; never edit an applied one.
 *
 * Conventions: instants are `bigint` epoch milliseconds (the engine's `Instant`), amounts are
 * `bigint` micros. Ledger entries are never deleted; usage events are pruned after 12 months.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE workspaces (
  id text PRIMARY KEY,
  name text NOT NULL,
  plan text NOT NULL,
  unit text NOT NULL,
  hosting text NOT NULL,
  enterprise boolean NOT NULL,
  overage_enabled boolean NOT NULL DEFAULT false,
  overage_cap_micros bigint,
  seat_pooling boolean NOT NULL DEFAULT false,
  pinned_model text,
  low_balance_thresholds_micros jsonb NOT NULL DEFAULT '[]',
  expiry_warning_days jsonb NOT NULL DEFAULT '[30, 7]',
  included_micros_per_seat bigint NOT NULL DEFAULT 0,
  max_deficit_micros bigint NOT NULL,
  billing_anchor bigint NOT NULL,
  deficit_micros bigint NOT NULL DEFAULT 0,
  -- overage is counted per billing period; a new period restarts it at zero
  overage_period_start bigint NOT NULL,
  overage_used_micros bigint NOT NULL DEFAULT 0,
  -- the period whose seat credits were granted (lazy grant on the first operation of a period)
  seats_granted_period bigint,
  -- alert arming state: which thresholds have fired and must recover before firing again
  alert_state jsonb NOT NULL DEFAULT '{}',
  billing_name text,
  billing_address jsonb,
  payment_method_id text,
  customer_id text,
  created_at bigint NOT NULL,
  deleted_at bigint
);

CREATE TABLE members (
  workspace_id text NOT NULL REFERENCES workspaces(id),
  id text NOT NULL,
  role text NOT NULL,
  seat_paid boolean NOT NULL,
  seat_active boolean NOT NULL,
  name text,
  email text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (workspace_id, id)
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  -- the non-secret lookup part of the key; the rest is verified against secret_hash
  lookup text NOT NULL UNIQUE,
  secret_hash text NOT NULL,
  type text NOT NULL,
  workspace_id text REFERENCES workspaces(id),
  member_id text,
  name text,
  created_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);

CREATE TABLE lots (
  workspace_id text NOT NULL REFERENCES workspaces(id),
  id text NOT NULL,
  kind text NOT NULL,
  scope text NOT NULL,
  original_micros bigint NOT NULL,
  remaining_micros bigint NOT NULL CHECK (remaining_micros >= 0),
  granted_at bigint NOT NULL,
  effective_at bigint NOT NULL,
  expires_at bigint,
  source text NOT NULL,
  note text,
  charge_id text,
  topup_id text,
  closed_at bigint,
  close_reason text,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX lots_open ON lots (workspace_id) WHERE closed_at IS NULL;
CREATE INDEX lots_expiry ON lots (expires_at) WHERE closed_at IS NULL;

CREATE TABLE reservations (
  workspace_id text NOT NULL REFERENCES workspaces(id),
  id text NOT NULL,
  member_id text,
  feature text NOT NULL,
  held_micros bigint NOT NULL,
  metered boolean NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  status text NOT NULL,
  settled_at bigint,
  charge_id text,
  task_kind text,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX reservations_held ON reservations (workspace_id, expires_at) WHERE status = 'held';

CREATE TABLE charges (
  workspace_id text NOT NULL REFERENCES workspaces(id),
  id text NOT NULL,
  reservation_id text,
  member_id text,
  feature text NOT NULL,
  amount_micros bigint NOT NULL,
  outcome text NOT NULL,
  usage jsonb,
  price_version text,
  task_kind text,
  deficit_micros bigint NOT NULL,
  overage_micros bigint NOT NULL,
  overrun_micros bigint NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX charges_at ON charges (workspace_id, at);

CREATE TABLE charge_draws (
  workspace_id text NOT NULL,
  charge_id text NOT NULL,
  seq integer NOT NULL,
  lot_id text NOT NULL,
  kind text NOT NULL,
  scope text NOT NULL,
  amount_micros bigint NOT NULL,
  PRIMARY KEY (workspace_id, charge_id, seq)
);

CREATE TABLE ledger_entries (
  workspace_id text NOT NULL REFERENCES workspaces(id),
  id text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  type text NOT NULL,
  amount_micros bigint NOT NULL,
  at bigint NOT NULL,
  lot_id text,
  reservation_id text,
  charge_id text,
  topup_id text,
  member_id text,
  feature text,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX ledger_entries_newest ON ledger_entries (workspace_id, seq DESC);

CREATE TABLE usage_events (
  workspace_id text NOT NULL,
  charge_id text NOT NULL,
  member_id text,
  feature text NOT NULL,
  task_kind text,
  model text,
  input_tokens bigint,
  output_tokens bigint,
  cached_input_tokens bigint,
  sandbox_seconds bigint,
  amount_micros bigint NOT NULL,
  overage_micros bigint NOT NULL,
  outcome text NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (workspace_id, charge_id)
);
CREATE INDEX usage_events_at ON usage_events (workspace_id, at);
CREATE INDEX usage_events_prune ON usage_events (at);

CREATE TABLE topups (
  id text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces(id),
  amount_micros bigint NOT NULL,
  tax_micros bigint NOT NULL,
  status text NOT NULL,
  paid boolean NOT NULL,
  test_funds boolean NOT NULL,
  covered_deficit_micros bigint NOT NULL DEFAULT 0,
  lot_id text,
  invoice_id text,
  payment_intent_id text,
  payment_method_id text,
  failure_code text,
  failure_message text,
  created_at bigint NOT NULL,
  completed_at bigint
);
CREATE INDEX topups_workspace ON topups (workspace_id, created_at DESC);

CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  fingerprint text NOT NULL,
  status integer NOT NULL,
  response jsonb NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces(id),
  url text NOT NULL,
  events jsonb NOT NULL,
  description text,
  -- kept readable: signing needs the secret itself (API keys, by contrast, are stored hashed)
  secret text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at bigint NOT NULL,
  deleted_at bigint
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id);

CREATE TABLE outbox_events (
  -- the event id: unique, the receivers' de-duplication key
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  workspace_id text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at bigint NOT NULL,
  dispatched_at bigint
);
CREATE INDEX outbox_events_pending ON outbox_events (seq) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_events_workspace ON outbox_events (workspace_id, seq);

CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL REFERENCES outbox_events(id),
  endpoint_id text NOT NULL REFERENCES webhook_endpoints(id),
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  last_status integer,
  last_error text,
  delivered_at bigint,
  created_at bigint NOT NULL,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE job_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  lease_until bigint NOT NULL
);

CREATE TABLE price_tables (
  version text PRIMARY KEY,
  effective_at bigint NOT NULL,
  body jsonb NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE test_clock (
  id integer PRIMARY KEY CHECK (id = 1),
  now_ms bigint NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'one-round-trip batch state load',
    sql: `
-- A capture names its reservation; finding an earlier charge of it (a replay) must not scan every
-- charge of the workspace.
CREATE INDEX charges_reservation ON charges (workspace_id, reservation_id) WHERE reservation_id IS NOT NULL;

-- Everything a money batch needs, in one round trip: lock the workspace row, then (on a snapshot
-- taken after the lock is granted, as every statement of a VOLATILE function gets) read its open
-- lots, held reservations, whatever the batch's operations name, and its idempotency records.
-- Reads pass p_lock = false and get the same state from one consistent snapshot. Rows come back
-- as json; a bigint a JS number cannot hold exactly still fails the data layer's safe-integer
-- check, because rounding never brings such a value into the safe range.
CREATE FUNCTION credits_load_batch(p_workspace text, p_lot_ids text[], p_reservation_ids text[],
  p_charge_ids text[], p_topup_ids text[], p_scope text, p_keys text[], p_lock boolean)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  w json;
BEGIN
  IF p_lock THEN
    SELECT row_to_json(x) INTO w FROM workspaces x WHERE x.id = p_workspace FOR UPDATE;
  ELSE
    SELECT row_to_json(x) INTO w FROM workspaces x WHERE x.id = p_workspace;
  END IF;
  IF w IS NULL THEN
    RETURN NULL;
  END IF;
  IF p_lock AND cardinality(p_topup_ids) > 0 THEN
    PERFORM 1 FROM topups WHERE workspace_id = p_workspace AND id = ANY(p_topup_ids) FOR UPDATE;
  END IF;
  RETURN json_build_object(
    'workspace', w,
    'lots', (SELECT COALESCE(json_agg(l), '[]'::json) FROM (
      SELECT * FROM lots WHERE workspace_id = p_workspace AND closed_at IS NULL
      UNION SELECT * FROM lots WHERE workspace_id = p_workspace AND id = ANY(p_lot_ids)) l),
    'reservations', (SELECT COALESCE(json_agg(r), '[]'::json) FROM (
      SELECT * FROM reservations WHERE workspace_id = p_workspace AND status = 'held'
      UNION SELECT * FROM reservations WHERE workspace_id = p_workspace AND id = ANY(p_reservation_ids)) r),
    'charges', (SELECT COALESCE(json_agg(c), '[]'::json) FROM (
      SELECT * FROM charges WHERE workspace_id = p_workspace AND id = ANY(p_charge_ids)
      UNION SELECT * FROM charges WHERE workspace_id = p_workspace AND reservation_id = ANY(p_reservation_ids)) c),
    'draws', (SELECT COALESCE(json_agg(d ORDER BY d.charge_id, d.seq), '[]'::json)
      FROM charge_draws d WHERE d.workspace_id = p_workspace AND d.charge_id IN (
        SELECT id FROM charges WHERE workspace_id = p_workspace AND id = ANY(p_charge_ids)
        UNION SELECT id FROM charges WHERE workspace_id = p_workspace AND reservation_id = ANY(p_reservation_ids))),
    'topups', (SELECT COALESCE(json_agg(t), '[]'::json)
      FROM topups t WHERE t.workspace_id = p_workspace AND t.id = ANY(p_topup_ids)),
    'idempotency', (SELECT COALESCE(json_agg(json_build_object('key', k.key, 'fingerprint', k.fingerprint,
        'status', k.status, 'response', k.response)), '[]'::json)
      FROM idempotency_keys k WHERE k.scope = p_scope AND k.key = ANY(p_keys)));
END
$$;
`,
  },
  {
    version: 3,
    name: 'daily usage rollup',
    sql: `
-- One row per workspace × UTC day × member ('' = none) × feature, kept by the money batch in the
-- transaction that writes the charges, so a 30-day report reads a few hundred rows instead of
-- every charge. Backfilled from the usage detail.
CREATE TABLE usage_daily (
  workspace_id text NOT NULL,
  day bigint NOT NULL,
  member_id text NOT NULL,
  feature text NOT NULL,
  charges bigint NOT NULL,
  amount_micros bigint NOT NULL,
  overage_micros bigint NOT NULL,
  PRIMARY KEY (workspace_id, day, member_id, feature)
);

INSERT INTO usage_daily (workspace_id, day, member_id, feature, charges, amount_micros, overage_micros)
SELECT workspace_id, at / 86400000, COALESCE(member_id, ''), feature, COUNT(*), SUM(amount_micros),
  SUM(overage_micros)
FROM usage_events GROUP BY 1, 2, 3, 4;
`,
  },
  {
    version: 4,
    name: 'optimistic money batches',
    sql: `
-- Every money batch that writes bumps the workspace's ledger version in the same statement as its
-- writes, and only if the version is still the one its state was read at. A batch then needs no
-- lock while it decides: one read, one conditional write, and a retry when another replica won.
ALTER TABLE workspaces ADD COLUMN ledger_version bigint NOT NULL DEFAULT 0;

-- Nothing reads charges by time (reports read the usage tables): the index only cost every
-- insert, and it let the load's cached plan probe the wrong index for a charge id. A reservation
-- settles into at most one charge; saying so makes its lookup the only sensible plan.
DROP INDEX charges_at;
DROP INDEX charges_reservation;
CREATE UNIQUE INDEX charges_reservation ON charges (workspace_id, reservation_id) WHERE reservation_id IS NOT NULL;

-- The batch load, rewritten so its cached generic plan stays right as tables grow: every lookup by
-- id is a join from the ids given to an index probe (OFFSET 0 keeps each probe from being
-- flattened into a join the planner may turn into a scan), never a filter over all of a
-- workspace's rows. (A generic plan made while a workspace had few charges scanned all of them for each id,
-- and went on doing so as they grew.) Same arguments, same result.
CREATE OR REPLACE FUNCTION credits_load_batch(p_workspace text, p_lot_ids text[], p_reservation_ids text[],
  p_charge_ids text[], p_topup_ids text[], p_scope text, p_keys text[], p_lock boolean)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  w json;
BEGIN
  IF p_lock THEN
    SELECT row_to_json(x) INTO w FROM workspaces x WHERE x.id = p_workspace FOR UPDATE;
  ELSE
    SELECT row_to_json(x) INTO w FROM workspaces x WHERE x.id = p_workspace;
  END IF;
  IF w IS NULL THEN
    RETURN NULL;
  END IF;
  IF p_lock AND cardinality(p_topup_ids) > 0 THEN
    PERFORM 1 FROM unnest(p_topup_ids) k(id)
      JOIN LATERAL (SELECT 1 FROM topups t WHERE t.id = k.id OFFSET 0 FOR UPDATE) t ON true;
  END IF;
  RETURN (WITH
    named_charges AS (
      SELECT c.* FROM unnest(p_charge_ids) k(id)
        JOIN LATERAL (SELECT * FROM charges c WHERE c.workspace_id = p_workspace AND c.id = k.id OFFSET 0) c ON true
      UNION
      SELECT c.* FROM unnest(p_reservation_ids) k(id)
        JOIN LATERAL (SELECT * FROM charges c WHERE c.workspace_id = p_workspace AND c.reservation_id = k.id OFFSET 0) c ON true)
  SELECT json_build_object(
    'workspace', w,
    'lots', (SELECT COALESCE(json_agg(l), '[]'::json) FROM (
      SELECT * FROM lots WHERE workspace_id = p_workspace AND closed_at IS NULL
      UNION
      SELECT l.* FROM unnest(p_lot_ids) k(id)
        JOIN LATERAL (SELECT * FROM lots l WHERE l.workspace_id = p_workspace AND l.id = k.id OFFSET 0) l ON true) l),
    'reservations', (SELECT COALESCE(json_agg(r), '[]'::json) FROM (
      SELECT * FROM reservations WHERE workspace_id = p_workspace AND status = 'held'
      UNION
      SELECT r.* FROM unnest(p_reservation_ids) k(id)
        JOIN LATERAL (SELECT * FROM reservations r WHERE r.workspace_id = p_workspace AND r.id = k.id OFFSET 0) r ON true) r),
    'charges', (SELECT COALESCE(json_agg(c), '[]'::json) FROM named_charges c),
    'draws', (SELECT COALESCE(json_agg(d ORDER BY d.charge_id, d.seq), '[]'::json) FROM named_charges c
      JOIN LATERAL (SELECT * FROM charge_draws d WHERE d.workspace_id = p_workspace AND d.charge_id = c.id OFFSET 0) d ON true),
    'topups', (SELECT COALESCE(json_agg(t), '[]'::json) FROM unnest(p_topup_ids) k(id)
      JOIN LATERAL (SELECT * FROM topups t WHERE t.id = k.id OFFSET 0) t ON true
      WHERE t.workspace_id = p_workspace),
    'idempotency', (SELECT COALESCE(json_agg(json_build_object('key', i.key, 'fingerprint', i.fingerprint,
        'status', i.status, 'response', i.response)), '[]'::json) FROM unnest(p_keys) k(key)
      JOIN LATERAL (SELECT * FROM idempotency_keys i WHERE i.scope = p_scope AND i.key = k.key OFFSET 0) i ON true)));
END
$$;

-- Its statements are planned once per session and reused: their plans no longer depend on the
-- values passed, and replanning them on every call cost more than running them (several times
-- more on the embedded database).
ALTER FUNCTION credits_load_batch(text, text[], text[], text[], text[], text, text[], boolean)
  SET plan_cache_mode = force_generic_plan;

-- Every write of a money batch in one function call: its statements are planned once per session
-- (once per connection on PostgreSQL, once for good on the embedded database) instead of on every
-- batch. It applies only if the workspace's ledger version is still p_version (bumping it), and
-- answers whether it did. Rows arrive as one JSON array per table (objects keyed by column name,
-- each array parsed once); a table passed as NULL is not touched. Ledger entries and outbox events keep their array order,
-- which their sequence numbers follow.
CREATE FUNCTION credits_write_batch(p_workspace text, p_version bigint, p_workspace_row json,
  p_lots json, p_reservations json, p_charges json, p_draws json, p_usage_events json,
  p_usage_daily json, p_entries json, p_outbox json, p_idempotency json, p_topups json)
RETURNS boolean LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF p_workspace_row IS NULL THEN
    UPDATE workspaces SET ledger_version = ledger_version + 1
    WHERE id = p_workspace AND ledger_version = p_version;
  ELSE
    UPDATE workspaces w SET ledger_version = w.ledger_version + 1,
      deficit_micros = r.deficit_micros,
      overage_used_micros = r.overage_used_micros,
      overage_period_start = r.overage_period_start,
      seats_granted_period = r.seats_granted_period,
      alert_state = r.alert_state,
      deleted_at = r.deleted_at,
      overage_enabled = r.overage_enabled,
      overage_cap_micros = r.overage_cap_micros,
      seat_pooling = r.seat_pooling,
      pinned_model = r.pinned_model,
      low_balance_thresholds_micros = r.low_balance_thresholds_micros,
      expiry_warning_days = r.expiry_warning_days,
      included_micros_per_seat = r.included_micros_per_seat,
      max_deficit_micros = r.max_deficit_micros,
      plan = r.plan,
      enterprise = r.enterprise
    FROM json_populate_record(NULL::workspaces, p_workspace_row) r
    WHERE w.id = p_workspace AND w.ledger_version = p_version;
  END IF;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF p_lots IS NOT NULL THEN
    INSERT INTO lots (workspace_id, id, kind, scope, original_micros, remaining_micros, granted_at, effective_at, expires_at, source, note, charge_id, topup_id, closed_at, close_reason)
    SELECT workspace_id, id, kind, scope, original_micros, remaining_micros, granted_at, effective_at, expires_at, source, note, charge_id, topup_id, closed_at, close_reason FROM json_populate_recordset(NULL::lots, p_lots)
    ON CONFLICT (workspace_id, id) DO UPDATE SET remaining_micros = EXCLUDED.remaining_micros,
      closed_at = EXCLUDED.closed_at, close_reason = EXCLUDED.close_reason;
  END IF;
  IF p_reservations IS NOT NULL THEN
    INSERT INTO reservations (workspace_id, id, member_id, feature, held_micros, metered, created_at, expires_at, status, settled_at, charge_id, task_kind)
    SELECT workspace_id, id, member_id, feature, held_micros, metered, created_at, expires_at, status, settled_at, charge_id, task_kind FROM json_populate_recordset(NULL::reservations, p_reservations)
    ON CONFLICT (workspace_id, id) DO UPDATE SET held_micros = EXCLUDED.held_micros,
      expires_at = EXCLUDED.expires_at, status = EXCLUDED.status, settled_at = EXCLUDED.settled_at,
      charge_id = EXCLUDED.charge_id;
  END IF;
  IF p_charges IS NOT NULL THEN
    INSERT INTO charges (workspace_id, id, reservation_id, member_id, feature, amount_micros, outcome, usage, price_version, task_kind, deficit_micros, overage_micros, overrun_micros, at)
    SELECT workspace_id, id, reservation_id, member_id, feature, amount_micros, outcome, usage, price_version, task_kind, deficit_micros, overage_micros, overrun_micros, at FROM json_populate_recordset(NULL::charges, p_charges);
  END IF;
  IF p_draws IS NOT NULL THEN
    INSERT INTO charge_draws (workspace_id, charge_id, seq, lot_id, kind, scope, amount_micros)
    SELECT workspace_id, charge_id, seq, lot_id, kind, scope, amount_micros FROM json_populate_recordset(NULL::charge_draws, p_draws);
  END IF;
  IF p_usage_events IS NOT NULL THEN
    INSERT INTO usage_events (workspace_id, charge_id, member_id, feature, task_kind, model, input_tokens, output_tokens, cached_input_tokens, sandbox_seconds, amount_micros, overage_micros, outcome, at)
    SELECT workspace_id, charge_id, member_id, feature, task_kind, model, input_tokens, output_tokens, cached_input_tokens, sandbox_seconds, amount_micros, overage_micros, outcome, at FROM json_populate_recordset(NULL::usage_events, p_usage_events);
  END IF;
  IF p_usage_daily IS NOT NULL THEN
    INSERT INTO usage_daily (workspace_id, day, member_id, feature, charges, amount_micros, overage_micros)
    SELECT workspace_id, day, member_id, feature, charges, amount_micros, overage_micros FROM json_populate_recordset(NULL::usage_daily, p_usage_daily)
    ON CONFLICT (workspace_id, day, member_id, feature) DO UPDATE SET
      charges = usage_daily.charges + EXCLUDED.charges,
      amount_micros = usage_daily.amount_micros + EXCLUDED.amount_micros,
      overage_micros = usage_daily.overage_micros + EXCLUDED.overage_micros;
  END IF;
  IF p_entries IS NOT NULL THEN
    INSERT INTO ledger_entries (workspace_id, id, type, amount_micros, at, lot_id, reservation_id, charge_id, topup_id, member_id, feature)
    SELECT r.workspace_id, r.id, r.type, r.amount_micros, r.at, r.lot_id, r.reservation_id, r.charge_id, r.topup_id, r.member_id, r.feature
    FROM json_array_elements(p_entries) WITH ORDINALITY AS e(v, ord)
      CROSS JOIN LATERAL json_populate_record(NULL::ledger_entries, e.v) r
    ORDER BY e.ord
    ON CONFLICT (workspace_id, id) DO NOTHING;
  END IF;
  IF p_outbox IS NOT NULL THEN
    INSERT INTO outbox_events (id, workspace_id, type, payload, created_at)
    SELECT r.id, r.workspace_id, r.type, r.payload, r.created_at
    FROM json_array_elements(p_outbox) WITH ORDINALITY AS e(v, ord)
      CROSS JOIN LATERAL json_populate_record(NULL::outbox_events, e.v) r
    ORDER BY e.ord
    ON CONFLICT (id) DO NOTHING;
  END IF;
  IF p_idempotency IS NOT NULL THEN
    INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, status, response, created_at)
    SELECT scope, key, method, path, fingerprint, status, response, created_at FROM json_populate_recordset(NULL::idempotency_keys, p_idempotency)
    ON CONFLICT (scope, key) DO NOTHING;
  END IF;
  IF p_topups IS NOT NULL THEN
    UPDATE topups t SET status = u.status, covered_deficit_micros = u.covered_deficit_micros,
      lot_id = u.lot_id, invoice_id = u.invoice_id, payment_intent_id = u.payment_intent_id,
      failure_code = u.failure_code, failure_message = u.failure_message, completed_at = u.completed_at
    FROM json_populate_recordset(NULL::topups, p_topups) u
    WHERE t.id = u.id AND t.workspace_id = p_workspace;
  END IF;
  RETURN true;
END
$$;
`,
  },
  {
    version: 5,
    name: 'write from a remembered state',
    sql: `
-- The write of a batch decided on a state the service remembered from its own last batch of the
-- workspace instead of reading it again (one round trip instead of two). That state holds only
-- open lots and held reservations, so what it cannot know is checked here first: none of the
-- batch's idempotency keys, new reservation ids or new charge ids may exist already. Answers
-- 'applied', or 'stale' (nothing written; the caller reads the state and decides again) when a
-- check fails or the ledger version moved. A batch with nothing to write (refusals only) is
-- still checked, so a refusal is never answered from a state another writer has changed.
CREATE FUNCTION credits_write_remembered(p_workspace text, p_version bigint, p_scope text,
  p_keys text[], p_new_reservations text[], p_new_charges text[], p_workspace_row json,
  p_lots json, p_reservations json, p_charges json, p_draws json, p_usage_events json,
  p_usage_daily json, p_entries json, p_outbox json, p_idempotency json, p_topups json)
RETURNS text LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM unnest(p_keys) k(key)
      JOIN LATERAL (SELECT 1 FROM idempotency_keys i WHERE i.scope = p_scope AND i.key = k.key OFFSET 0) i ON true)
    OR EXISTS (SELECT 1 FROM unnest(p_new_reservations) k(id)
      JOIN LATERAL (SELECT 1 FROM reservations r WHERE r.workspace_id = p_workspace AND r.id = k.id OFFSET 0) r ON true)
    OR EXISTS (SELECT 1 FROM unnest(p_new_charges) k(id)
      JOIN LATERAL (SELECT 1 FROM charges c WHERE c.workspace_id = p_workspace AND c.id = k.id OFFSET 0) c ON true) THEN
    RETURN 'stale';
  END IF;
  IF p_workspace_row IS NULL AND p_lots IS NULL AND p_reservations IS NULL AND p_charges IS NULL
    AND p_entries IS NULL AND p_outbox IS NULL AND p_idempotency IS NULL AND p_topups IS NULL THEN
    PERFORM 1 FROM workspaces WHERE id = p_workspace AND ledger_version = p_version;
    RETURN CASE WHEN FOUND THEN 'applied' ELSE 'stale' END;
  END IF;
  RETURN CASE WHEN credits_write_batch(p_workspace, p_version, p_workspace_row, p_lots, p_reservations,
    p_charges, p_draws, p_usage_events, p_usage_daily, p_entries, p_outbox, p_idempotency, p_topups)
    THEN 'applied' ELSE 'stale' END;
END
$$;
`,
  },
  {
    version: 6,
    name: 'policy change history',
    sql: `
-- The settings that change what a charge may draw (seat pooling) and how deep a deficit may go
-- (max deficit), each change placed among the ledger entries: entries with seq <= after_entry_seq
-- were written under the old values. A settings change is written in a batch of its own, and a
-- batch holds its workspace's row lock from this UPDATE to COMMIT, so the newest entry seq seen
-- here is exactly where the change falls. A trigger, so a change made by hand is recorded too.
CREATE TABLE policy_changes (
  workspace_id text NOT NULL REFERENCES workspaces(id),
  seq bigint GENERATED ALWAYS AS IDENTITY,
  after_entry_seq bigint NOT NULL,
  old_seat_pooling boolean NOT NULL,
  new_seat_pooling boolean NOT NULL,
  old_max_deficit_micros bigint NOT NULL,
  new_max_deficit_micros bigint NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, seq)
);

CREATE FUNCTION credits_record_policy_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO policy_changes (workspace_id, after_entry_seq, old_seat_pooling, new_seat_pooling,
    old_max_deficit_micros, new_max_deficit_micros)
  VALUES (NEW.id,
    COALESCE((SELECT max(seq) FROM ledger_entries WHERE workspace_id = NEW.id), 0),
    OLD.seat_pooling, NEW.seat_pooling, OLD.max_deficit_micros, NEW.max_deficit_micros);
  RETURN NULL;
END
$$;

CREATE TRIGGER workspaces_policy_change AFTER UPDATE OF seat_pooling, max_deficit_micros ON workspaces
  FOR EACH ROW
  WHEN (OLD.seat_pooling IS DISTINCT FROM NEW.seat_pooling
    OR OLD.max_deficit_micros IS DISTINCT FROM NEW.max_deficit_micros)
  EXECUTE FUNCTION credits_record_policy_change();
`,
  },
];

/** Arbitrary constant naming the migration lock. */
const MIGRATION_LOCK_KEY = 727_274_001;

export async function migrate(db: Db): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}

/** Splits on `;` at line ends, except inside `$$`-quoted function bodies. */
function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let inBody = false;
  for (const chunk of sql.split(/(\$\$)/)) {
    if (chunk === '$$') inBody = !inBody;
    if (chunk === '$$' || inBody) {
      current += chunk;
      continue;
    }
    const pieces = chunk.split(/;\s*\n/);
    current += pieces[0] ?? '';
    for (const piece of pieces.slice(1)) {
      statements.push(current);
      current = piece;
    }
  }
  statements.push(current);
  return statements.map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter((s) => s.length > 0);
}
