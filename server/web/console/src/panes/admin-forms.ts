/** Helpers the administration panes share for list fields. */

/** One entry per line or comma: the way the seed's list boxes and "Forward To" take several values. */
export function parseList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export const formatList = (values: readonly string[]): string => values.join('\n');

/** A whole number as typed, or the text itself: the API then refuses it with its own error, shown next to the field. */
export function parseWhole(text: string): number | string {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : text;
}

/** A decimal number as typed, or the text itself (for the API to refuse next to the field). */
export function parseDecimal(text: string): number | string {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
}
