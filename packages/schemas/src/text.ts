function escape(text: string, inQuotes: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inQuotes && (code === 0x22 || code === 0x5c)) out += `\\${text.charAt(i)}`;
    else if (code >= 0x20 && code < 0x7f) out += text.charAt(i);
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/**
 * Quotes untrusted text for an error message: truncated to `maxChars` characters, with
 * anything but printable ASCII escaped, so a hostile value can neither flood a log nor
 * smuggle control characters into it.
 */
export function quote(value: string, maxChars = 32): string {
  if (value.length <= maxChars) return `"${escape(value, true)}"`;
  return `"${escape(value.slice(0, maxChars), true)}…" (${value.length} chars)`;
}

/** Untrusted text cut to `maxChars`, non-printable characters escaped, no quotes. */
export function printable(value: string, maxChars: number): string {
  return value.length <= maxChars
    ? escape(value, false)
    : `${escape(value.slice(0, maxChars), false)}…`;
}

/**
 * A JSON pointer (RFC 6901) segment for an untrusted key, made printable and cut at 100
 * characters (longer than any valid key, so a key just over a limit still shows whole).
 */
export function pathSegment(key: string): string {
  return printable(key.replaceAll('~', '~0').replaceAll('/', '~1'), 100);
}
