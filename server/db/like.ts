/** A LIKE pattern (with `ESCAPE '\'`) matching any text that contains `text`, wildcards in it taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
