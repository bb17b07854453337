/**
 * Secrets known to this process. `mask` registers a value with the front-end's log masker (the
 * runner's `::add-mask::`), whole and line by line, the moment it enters the process;
 * `redact` replaces every known value in a text that came from outside (a server's error body
 * may quote what we sent), so that a secret is never printed, not even masked.
 */
export interface Masker {
  mask(value: string): void;
  redact(text: string): string;
}

/** The runner splits a log into lines at `\n`, `\r\n` and a lone `\r`, and matches masks line by line. */
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Lines shorter than four characters (a lone `}` of a JSON secret) are not masked on their own:
 * masking them would garble the log and hide nothing.
 */
const SHORTEST_MASKED_LINE = 4;

export function createMasker(register: (value: string) => void): Masker {
  const known = new Set<string>();
  let longestFirst: string[] | undefined;
  const add = (value: string): void => {
    if (known.has(value)) return;
    known.add(value);
    longestFirst = undefined;
    register(value);
  };
  return {
    mask(value) {
      if (value.trim() === '') return;
      add(value);
      const lines = value.split(LINE_BREAK);
      if (lines.length < 2) return;
      for (const line of lines) {
        const trimmed = line.trim();
        if (trimmed.length >= SHORTEST_MASKED_LINE) add(trimmed);
      }
    },
    redact(text) {
      longestFirst ??= [...known].sort((a, b) => b.length - a.length);
      let redacted = text;
      for (const value of longestFirst) {
        if (redacted.includes(value)) redacted = redacted.split(value).join('***');
      }
      return redacted;
    }
  };
}
