/**
 * Text that came from outside (a server's error body, a token's claims, a certificate's
 * subject, a program's stderr, an input's value) is shown as data: on one line, with control
 * characters escaped, so it can never start a workflow command (`::save-state::`) or forge a
 * log line; with every known secret replaced by `***`; and cut to a readable length.
 */
const DEFAULT_MAX_LENGTH = 300;

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */

// eslint-disable-next-line no-control-regex -- control characters are what this matches
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

interface ExternalTextOptions {
  /** Replaces known secrets (Masker.redact). */
  readonly redact?: (text: string) => string;
  readonly maxLength?: number;
}

export function externalText(text: string, options: ExternalTextOptions = {}): string {
  const redacted = options.redact ? options.redact(text) : text;
  const escaped = redacted.replace(CONTROL, char => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
  return escaped.length > max ? `${escaped.slice(0, max)}… (cut)` : escaped;
}
