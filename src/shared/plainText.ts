/** Messages shown to people as plain text. */

/** Longest message shown, in characters. */
const MAX_ERROR_LENGTH = 280;

/**
 * `message` as one line of plain text: line breaks, tabs and other control or direction
 * characters (which JSON.parse's messages and quoted file contents may carry) become
 * spaces, and a message over MAX_ERROR_LENGTH characters is cut with "...".
 */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = message.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ');
  return flat.length > MAX_ERROR_LENGTH ? `${flat.slice(0, MAX_ERROR_LENGTH - 3)}...` : flat;
}
