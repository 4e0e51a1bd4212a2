/** A position in a script: 1-based line and column, as editors count them. */
export interface SievePosition {
  line: number;
  column: number;
}

/** A syntax, validation or run-time error, always with where it happened. */
export interface SieveError extends SievePosition {
  message: string;
  /** The include script the error is in, when it is not the main script. */
  script?: string;
}

/** Thrown inside the compiler and interpreter; callers only ever see SieveError values. */
export class SieveFault extends Error {
  constructor(
    message: string,
    readonly pos: SievePosition,
  ) {
    super(message);
  }

  toError(script?: string): SieveError {
    const e: SieveError = { line: this.pos.line, column: this.pos.column, message: this.message };
    if (script) e.script = script;
    return e;
  }
}

export function formatSieveError(e: SieveError): string {
  return `${e.script ? `${e.script}:` : ''}${e.line}:${e.column}: ${e.message}`;
}
