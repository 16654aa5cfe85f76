import type { PriceTable, WorkspaceSettings } from '@aicredits/sdk';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { describeError } from '../api';
import type { PanelContext } from '../Dashboard';
import { microsToInput, money, parseOptionalAmount, parseThresholds } from '../model';
import { useAsync } from '../use-async';
import { LoadError, Loading, Panel } from './Panel';

interface Draft {
  overageEnabled: boolean;
  cap: string;
  pinnedModel: string;
  thresholds: string;
  seatPooling: boolean;
}

const LATEST = '';

function draftOf(settings: WorkspaceSettings): Draft {
  return {
    overageEnabled: settings.overage.enabled,
    cap: settings.overage.monthlyCapMicros === null ? '' : microsToInput(settings.overage.monthlyCapMicros),
    pinnedModel: settings.pinnedModel ?? LATEST,
    thresholds: settings.lowBalanceThresholdsMicros.map(microsToInput).join(', '),
    seatPooling: settings.seatPooling,
  };
}

export function SettingsPanel({ ctx }: { ctx: PanelContext }) {
  const { client, workspaceId, changed } = ctx;
  const loaded = useAsync('settings', async (signal) => {
    const [workspace, prices] = await Promise.all([
      client.workspaces.retrieve(workspaceId, { signal }),
      client.prices.retrieve({ signal }),
    ]);
    return { workspace, prices };
  });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const ids = {
    overage: useId(),
    cap: useId(),
    model: useId(),
    thresholds: useId(),
    pooling: useId(),
    help: useId(),
  };

  useEffect(() => {
    if (loaded.status === 'ready') setDraft(draftOf(loaded.data.workspace.settings));
  }, [loaded.status, loaded.data]);

  if (loaded.data === undefined || draft === null) {
    return (
      <Panel title="Settings" id="settings">
        {loaded.status === 'error' ? (
          <LoadError error={loaded.error} retry={loaded.reload} />
        ) : (
          <Loading what="settings" />
        )}
      </Panel>
    );
  }
  const unit = loaded.data.workspace.unit;
  const prices: PriceTable = loaded.data.prices;
  const set = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    setSaved(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const cap = parseOptionalAmount(draft.cap);
    if (!cap.ok) return setError(`Overage cap: ${cap.error}`);
    const thresholds = parseThresholds(draft.thresholds);
    if (!thresholds.ok) return setError(`Alert thresholds: ${thresholds.error}`);
    setError(null);
    setSaving(true);
    try {
      const workspace = await client.workspaces.updateSettings(workspaceId, {
        overage: { enabled: draft.overageEnabled, monthlyCapMicros: cap.value },
        pinnedModel: draft.pinnedModel === LATEST ? null : draft.pinnedModel,
        lowBalanceThresholdsMicros: thresholds.value,
        seatPooling: draft.seatPooling,
      });
      setDraft(draftOf(workspace.settings));
      setSaved('Settings saved.');
      changed();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setSaving(false);
    }
  };

  const latest = prices.models.find((m) => m.model === prices.latestModel);
  return (
    <Panel title="Settings" id="settings">
      <form onSubmit={submit} noValidate className="settings">
        <fieldset>
          <legend>Overage</legend>
          <div className="field check">
            <input
              id={ids.overage}
              type="checkbox"
              checked={draft.overageEnabled}
              onChange={(e) => set({ overageEnabled: e.target.checked })}
            />
            <label htmlFor={ids.overage}>
              Let members keep working past their included credits (billed as overage)
            </label>
          </div>
          <div className="field">
            <label htmlFor={ids.cap}>Monthly overage cap (USD, empty for no cap)</label>
            <input
              id={ids.cap}
              inputMode="decimal"
              value={draft.cap}
              onChange={(e) => set({ cap: e.target.value })}
              disabled={!draft.overageEnabled}
            />
          </div>
          <div className="field check">
            <input
              id={ids.pooling}
              type="checkbox"
              checked={draft.seatPooling}
              onChange={(e) => set({ seatPooling: e.target.checked })}
            />
            <label htmlFor={ids.pooling}>Pool members' included credits across the workspace</label>
          </div>
        </fieldset>
        <fieldset>
          <legend>Coding Sessions</legend>
          <div className="field">
            <label htmlFor={ids.model}>Model</label>
            <select
              id={ids.model}
              value={draft.pinnedModel}
              onChange={(e) => set({ pinnedModel: e.target.value })}
            >
              <option value={LATEST}>Always the latest ({latest?.displayName ?? prices.latestModel})</option>
              {prices.models.map((m) => (
                <option key={m.model} value={m.model}>
                  Pin {m.displayName} — {money(m.inputMicrosPerMillionTokens, 'usd')} in /{' '}
                  {money(m.outputMicrosPerMillionTokens, 'usd')} out per million tokens
                </option>
              ))}
            </select>
          </div>
        </fieldset>
        <fieldset>
          <legend>Alerts</legend>
          <div className="field">
            <label htmlFor={ids.thresholds}>Low-balance alert thresholds</label>
            <input
              id={ids.thresholds}
              value={draft.thresholds}
              onChange={(e) => set({ thresholds: e.target.value })}
              aria-describedby={ids.help}
            />
            <p id={ids.help} className="hint">
              Amounts in {unit === 'usd' ? 'USD' : 'credits'}, separated by commas, e.g. 10, 5. An alert is
              sent when the spendable balance drops below each.
            </p>
          </div>
        </fieldset>
        {error !== null && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save settings'}
          </button>
          <output>{saved}</output>
        </div>
      </form>
    </Panel>
  );
}
