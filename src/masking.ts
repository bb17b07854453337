/**
 * Registers a secret value with the runner's log masker: the whole value, and each line of a
 * multi-line value, since the runner matches masks line by line. Lines shorter than four
 * characters (a lone `}` of a JSON secret) are skipped: masking them would garble the log and
 * hide nothing.
 */
export function maskValue(setSecret: (value: string) => void, value: string): void {
  if (value.trim() === '') {
    return;
  }
  setSecret(value);
  const lines = value.split(/\r?\n/);
  if (lines.length < 2) {
    return;
  }
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.length >= 4) {
      setSecret(trimmed);
    }
  }
}
