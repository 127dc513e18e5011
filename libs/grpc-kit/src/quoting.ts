/** How many characters of a client's input an error message quotes, by default. */
export const QUOTE_MAX_CHARS = 200;

/**
 * Quotes a client's input (a service or method name, a path, a header value) for an error message: in double quotes,
 * with control and non-ASCII characters escaped as \uXXXX and cut after `maxChars` characters with "...".
 *
 * Why: a status message travels in a header, percent-encoded; quoting unbounded input lets a client grow another
 * client's or its own response past what strict clients accept (grpcio refuses more than 8 KB of metadata and then
 * fails the following calls on that connection too). Escaped ASCII also keeps the quote readable in logs, whatever
 * bytes were sent.
 */
export function quoteClientInput(input: string, maxChars = QUOTE_MAX_CHARS): string {
  const characters = [...input];
  const kept = characters.slice(0, maxChars).map(escapeCharacter).join('');
  return `"${kept}${characters.length > maxChars ? '...' : ''}"`;
}

function escapeCharacter(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  if (character === '"' || character === '\\') return `\\${character}`;
  if (codePoint >= 0x20 && codePoint < 0x7f) return character;
  // Characters outside the Basic Multilingual Plane become their two UTF-16 escapes, as in JSON.
  return [...character.split('')].map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
}
