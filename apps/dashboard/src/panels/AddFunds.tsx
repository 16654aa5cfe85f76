import type { Billing, Topup } from '@aicredits/sdk';
import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../api';
import type { PanelContext } from '../Dashboard';
import { billingAccessExplanation, cardOnFile, money, parseTopupAmount, quoteSummary } from '../model';
import { useAsync } from '../use-async';
import { LoadError, Panel } from './Panel';

const DEFAULT_LIMITS = { minMicros: 5_000_000, maxMicros: 10_000_000_000 };

function newKey(): string {
  return crypto.randomUUID();
}

function cardLine(billing: Billing | undefined): string {
  return billing === undefined ? 'Loading the card on file…' : cardOnFile(billing);
}

function taxLine(billing: Billing | undefined): string {
  const address = billing?.address;
  if (address === null || address === undefined) {
    return 'Sales tax, where it applies, is added on top based on the billing address.';
  }
  const place = [address.state, address.country].filter((p) => p !== undefined).join(', ');
  return `Sales tax is added on top based on the billing address (${place}).`;
}

export function AddFundsPanel({ ctx, allowed }: { ctx: PanelContext; allowed: boolean }) {
  const { client, workspaceId, identity, changed } = ctx;
  const billing = useAsync(`billing:${allowed}`, (signal) =>
    allowed ? client.billing.retrieve(workspaceId, { signal }) : Promise.resolve(undefined),
  );
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [receipt, setReceipt] = useState<Topup | null>(null);
  // One idempotency key per intended top-up: a retried or double-submitted request for the same
  // amount can never charge twice. A new amount, or a completed top-up, starts a new key.
  const [idempotencyKey, setIdempotencyKey] = useState(newKey);
  const amountId = useId();
  const helpId = useId();
  const errorId = useId();
  const explainId = useId();

  const limits = billing.data?.topupLimits ?? DEFAULT_LIMITS;
  const noCard = billing.data?.mode === 'stripe' && billing.data.paymentMethodId === null;
  const disabled = !allowed || pending || noCard || billing.status !== 'ready';
  // A valid amount is quoted by the API, so the exact tax and total are known before paying.
  const typed = parseTopupAmount(amount, limits);
  const quoteMicros = allowed && billing.status === 'ready' && typed.ok ? typed.value : null;
  const quote = useAsync(`quote:${quoteMicros ?? 'none'}`, (signal) =>
    quoteMicros === null
      ? Promise.resolve(null)
      : client.topups.quote(workspaceId, { amountMicros: quoteMicros }, { signal }),
  );
  // The last quote is kept while the next one loads; show it only for the amount it was made for.
  const shownQuote =
    quote.data !== undefined && quote.data !== null && quote.data.amountMicros === quoteMicros
      ? quote.data
      : null;
  const quoted = shownQuote === null ? null : quoteSummary(shownQuote);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (disabled) return;
    const parsed = parseTopupAmount(amount, limits);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setError(null);
    setPending(true);
    try {
      const topup = await client.topups.create(
        workspaceId,
        { amountMicros: parsed.value },
        { idempotencyKey },
      );
      setReceipt(topup);
      setAmount('');
      setIdempotencyKey(newKey());
      changed();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setPending(false);
    }
  };

  return (
    <Panel title="Add funds" id="add-funds">
      <p className="muted">
        Prepaid funds are pooled for the whole workspace, expire 12 months after purchase and are
        non-refundable. A top-up first covers any deficit.
      </p>
      {!allowed && (
        <p id={explainId} className="notice" data-explanation="billing-access">
          {billingAccessExplanation(identity.workspace.enterprise)}
        </p>
      )}
      {allowed && billing.status === 'error' && <LoadError error={billing.error} retry={billing.reload} />}
      <form onSubmit={submit} noValidate aria-describedby={allowed ? undefined : explainId}>
        <div className="field">
          <label htmlFor={amountId}>Amount (USD)</label>
          <div className="money-input">
            <span aria-hidden="true">$</span>
            <input
              id={amountId}
              name="amount"
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              onChange={(e) => {
                setAmount(e.target.value);
                setIdempotencyKey(newKey());
              }}
              disabled={!allowed}
              aria-describedby={`${helpId}${error === null ? '' : ` ${errorId}`}`}
              aria-invalid={error !== null}
            />
          </div>
          <p id={helpId} className="hint">
            Between {money(limits.minMicros, 'usd')} and {money(limits.maxMicros, 'usd')}.{' '}
            {allowed ? taxLine(billing.data) : ''}
          </p>
        </div>
        {allowed && <p className="card-line">{cardLine(billing.data)}</p>}
        {allowed && (
          <p
            className="quote"
            aria-live="polite"
            data-quote={shownQuote === null ? undefined : shownQuote.amountMicros}
            data-tax-micros={shownQuote?.taxMicros}
            data-total-micros={shownQuote?.totalMicros}
          >
            {quoted === null ? '' : `Sales tax ${quoted.tax} · Total charged ${quoted.total}`}
          </p>
        )}
        {error !== null && (
          <p id={errorId} className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={disabled} aria-disabled={disabled}>
          {pending ? 'Adding funds…' : 'Add funds'}
        </button>
      </form>
      <output className="block" aria-live="polite">
        {receipt !== null && (
          <div className="receipt" data-topup={receipt.id} data-amount-micros={receipt.amountMicros}>
            <p>
              <strong>{receipt.status === 'succeeded' ? 'Funds added.' : `Top-up ${receipt.status}.`}</strong>{' '}
              {money(receipt.amountMicros, 'usd')} + tax {money(receipt.taxMicros, 'usd')} = charged{' '}
              {money(receipt.totalMicros, 'usd')}
              {receipt.coveredDeficitMicros > 0
                ? `; ${money(receipt.coveredDeficitMicros, 'usd')} covered the deficit`
                : ''}
              .
            </p>
            <p className="muted">
              {receipt.testFunds
                ? 'Test funds: no card was charged.'
                : `Invoice ${receipt.invoiceId ?? 'pending'}.`}
            </p>
          </div>
        )}
      </output>
    </Panel>
  );
}
