import type { BillingPeriod, Instant } from './types.js';

const MS_PER_DAY = 86_400_000;

function daysInMonthUtc(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * `instant` moved by `months` calendar months in UTC, keeping the time of day; the day is
 * clamped to the target month's last day (Jan 31 + 1 month = Feb 28/29).
 */
export function addMonths(instant: Instant, months: number): Instant {
  const date = new Date(instant);
  const totalMonths = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const monthIndex = totalMonths - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonthUtc(year, monthIndex));
  const timeOfDay = instant - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return Date.UTC(year, monthIndex, day) + timeOfDay;
}

function monthsBetween(from: Instant, to: Instant): number {
  const a = new Date(from);
  const b = new Date(to);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
}

/**
 * The monthly UTC billing period `[start, end)` containing `now`. Every boundary is computed from
 * the anchor itself (not from the previous boundary), so a 31st anchor returns to the 31st after
 * a short month instead of drifting to the 28th.
 */
export function billingPeriodAt(anchor: Instant, now: Instant): BillingPeriod {
  let k = monthsBetween(anchor, now);
  // The month count is a guess off by at most one either way (day and time of day).
  while (addMonths(anchor, k) > now) k -= 1;
  while (addMonths(anchor, k + 1) <= now) k += 1;
  return Object.freeze({ start: addMonths(anchor, k), end: addMonths(anchor, k + 1) });
}

export { MS_PER_DAY };
