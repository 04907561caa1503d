/**
 * Text as it enters the core, made storable and printable once, before anything parses, matches,
 * echoes or stores it (issue 9). Postgres refuses NUL in text (`invalid byte sequence for encoding
 * "UTF8": 0x00`) and in jsonb (`unsupported Unicode escape sequence`), and jsonb refuses a lone
 * UTF-16 surrogate (`invalid input syntax for type json`); the other C0 control characters are
 * accepted but are never meant in chat, an alert or a title.
 *
 * Cleaning: CR LF and a lone CR become LF; NUL and the other C0 controls except tab and newline are
 * removed, and so is U+FEFF (a byte-order mark pasted along with a file: never meant as text, and
 * the embedded database's decoder drops it at the start of a value, so both databases would not
 * read back the same); so are U+E000 and U+E001, the private-use marks the chat edges put around a
 * mention they make (typed, they would forge one); a lone surrogate becomes U+FFFD (what the UTF-8
 * encoder would store anyway).
 * Everything else, every plane and a literal backslash sequence such as `\u0000` typed as six
 * characters, is the person's text and stays as it is.
 */

const DIRTY = /[\u0000-\u0008\u000b-\u001f\ufeff\ue000\ue001]|[\ud800-\udfff]/;
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufeff\ue000\ue001]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function cleanText(text: string): string {
  // Most text is clean (a surrogate pair also lands here, so astral text takes the long way).
  if (!DIRTY.test(text)) return text;
  return text.replace(/\r\n?/g, '\n').replace(CONTROLS, '').replace(LONE_SURROGATE, '\ufffd');
}

/**
 * Every string in a value parsed from JSON or handed over by an edge (object keys included),
 * cleaned; other values as they are. Returns the same object when nothing needed cleaning.
 */
export function cleanStrings<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) {
    const cleaned = value.map((item: unknown) => cleanStrings(item));
    return (cleaned.some((item, index) => item !== value[index]) ? cleaned : value) as T;
  }
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
      const cleanKey = cleanText(key);
      const cleanItem = cleanStrings(item);
      if (cleanKey !== key || cleanItem !== item) changed = true;
      return [cleanKey, cleanItem];
    });
    return (changed ? Object.fromEntries(entries) : value) as T;
  }
  return value;
}

/** At most `max` UTF-16 units, never cutting a surrogate pair in half (which would leave a lone one). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return text.slice(0, end);
}

/**
 * What a person typed (or a sender posted), quoted back in a one-line message: line breaks, tabs,
 * other control characters and lone surrogates each become U+FFFD, and it is cut to `max`
 * characters with an ellipsis, so a reason stays one short line whatever came in (issue 9).
 */
export function quoteBack(text: string, max = 40): string {
  // Each replacement is one UTF-16 unit for one, so clipping first is the same and reads only `max` of a huge text.
  const printable = clip(text, max).replace(/[\p{Cc}\u2028\u2029]|\p{Cs}/gu, '\ufffd');
  return text.length > max ? `${printable}…` : printable;
}
