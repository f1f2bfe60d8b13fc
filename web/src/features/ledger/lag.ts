import type { ConfirmedBatch } from "./queries";

export interface LagPoint { batch: string; lag: number }

/** The batches' lag, oldest first (a chart reads left to right); batches of unknown lag left
 * out. */
export function lagSeries(batches: readonly ConfirmedBatch[]): LagPoint[] {
  return batches.filter((batch) => batch.lag_s !== null).toReversed()
    .map((batch) => ({ batch: rangeText(batch), lag: batch.lag_s ?? 0 }));
}

/** A batch's range of anchoring sequence numbers, as people read it. */
export function rangeText(batch: { first_seq: number; last_seq: number }): string {
  return batch.first_seq === batch.last_seq ? `#${batch.first_seq}` : `#${batch.first_seq}–${batch.last_seq}`;
}

/** Seconds in words: "4.2 s", "3 min 5 s", "2 h 10 min". */
export function durationText(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  if (whole < 86_400) return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
  return `${Math.floor(whole / 86_400)} d ${Math.floor((whole % 86_400) / 3600)} h`;
}

/** The chart's data in one sentence, for those who do not see the chart. */
export function lagSummary(points: readonly LagPoint[]): string {
  const latest = points.at(-1);
  if (!latest) return "No confirmed batch has a known lag yet.";
  const lags = points.map((point) => point.lag);
  const batches = points.length === 1 ? "the last batch" : `the last ${points.length} batches`;
  return `Over ${batches}, events waited from ${durationText(Math.min(...lags))} to `
    + `${durationText(Math.max(...lags))} to be anchored; the latest batch, ${durationText(latest.lag)}.`;
}
