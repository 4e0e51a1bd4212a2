import { type LinearRegex, RegexSyntaxError, compileRegex } from '../sieve/regex';
import { parseAddress } from '../directory/address';

/** Longest pattern accepted (an address is at most 254 characters; a regex a little more). */
export const MAX_PATTERN_LENGTH = 500;
/** Most patterns in one setting (sender rules, bans). */
export const MAX_PATTERNS = 1000;

/** Compiled "^" patterns, shared by all lists (the same text compiles to the same program). */
const compiled = new Map<string, LinearRegex>();
const MAX_CACHED = 5000;

/**
 * An address pattern, as Mailman writes them: an exact address (compared without case), or a
 * regular expression when it starts with "^", searched in the address without case. The
 * expressions are run by the Sieve engine's Pike VM (server/sieve/regex.ts, POSIX extended
 * syntax): linear in the address whatever the pattern, so a list owner's "^(a+)+$" cannot stall
 * the engine, and back-references are refused when the setting is saved.
 */
function regexOf(pattern: string): LinearRegex {
  let re = compiled.get(pattern);
  if (!re) {
    if (compiled.size >= MAX_CACHED) compiled.clear();
    re = compileRegex(pattern, true, false);
    compiled.set(pattern, re);
  }
  return re;
}

/** Why a pattern cannot be used (undefined when it can). */
export function patternProblem(pattern: string): string | undefined {
  if (!pattern || pattern.length > MAX_PATTERN_LENGTH || /[\r\n]/.test(pattern)) return `"${pattern.slice(0, 60)}" must be one line of 1 to ${MAX_PATTERN_LENGTH} characters`;
  if (!pattern.startsWith('^')) return parseAddress(pattern) && !/\s/.test(pattern) ? undefined : `"${pattern}" is neither an address nor a regular expression starting with "^"`;
  try {
    regexOf(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof RegexSyntaxError) return `"${pattern.slice(0, 60)}" is not a valid regular expression: ${err.message}`;
    throw err;
  }
}

/** Whether `address` matches the pattern (a pattern that does not compile matches nothing). */
export function matchesPattern(pattern: string, address: string): boolean {
  if (!pattern.startsWith('^')) return pattern.toLowerCase() === address.toLowerCase();
  try {
    return regexOf(pattern).test(address);
  } catch {
    return false;
  }
}
