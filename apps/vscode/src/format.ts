import { formatMicros, type Unit } from '@aicredits/sdk';

const MS_PER_DAY = 86_400_000;

/** Money at the edge: always through the SDK's integer formatter. */
export function money(micros: number, unit: Unit): string {
  return formatMicros(micros, unit);
}

export function moneyRange(lowMicros: number, highMicros: number, unit: Unit): string {
  if (lowMicros === highMicros) return money(lowMicros, unit);
  return `${money(lowMicros, unit)}–${money(highMicros, unit)}`;
}

/** `2026-01-03`: unambiguous in every locale; times in the API are UTC. */
export function day(iso: string): string {
  return iso.slice(0, 10);
}

/** "today", "tomorrow", "in 12 days", "3 days ago" (whole UTC days between the two instants). */
export function relativeDays(iso: string, now: Date): string {
  const days = Math.floor(Date.parse(iso) / MS_PER_DAY) - Math.floor(now.getTime() / MS_PER_DAY);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${days} days` : `${-days} days ago`;
}

export function clock(date: Date): string {
  return date.toISOString().slice(11, 19);
}

/** Escapes text for a Markdown hover (ids and names come from the API). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
