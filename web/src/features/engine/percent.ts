/** A fraction (0..1) as a percentage with one decimal: the number the charts plot. */
export const percent = (fraction: number): number => Math.round(fraction * 1000) / 10;

/** The same percentage as text ("97.5%"), for sentences and tables. */
export const percentText = (fraction: number): string => `${percent(fraction).toFixed(1)}%`;
