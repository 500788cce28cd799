/** [MQTT-1.5.3] UTF-8 encoded strings are at most 65535 bytes. */
const MAX_TOPIC_BYTES = 65535;

const PLUS = 0x2b;
const HASH = 0x23;
const SLASH = 0x2f;
const NUL = 0x00;

/** UTF-8 byte length of a well-formed UTF-16 string. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Returns the index after the surrogate pair starting at `i`, or -1 when the code unit at `i`
 * is a surrogate that is not part of a pair. [MQTT-1.5.3-1] ill-formed UTF-8 (which is what a
 * lone surrogate becomes) must not appear in a topic.
 */
function skipSurrogatePair(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code > 0xdbff) return -1;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff ? i + 1 : -1;
}

export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if ((text.charCodeAt(i) & 0xf800) === 0xd800) {
      i = skipSurrogatePair(text, i);
      if (i < 0) return true;
    }
  }
  return false;
}

function lengthProblem(text: string): string | null {
  if (text.length === 0) return 'is empty';
  // Each UTF-16 code unit encodes to at most 3 UTF-8 bytes, so short strings need no counting.
  if (text.length * 3 <= MAX_TOPIC_BYTES) return null;
  if (text.length > MAX_TOPIC_BYTES || utf8ByteLength(text) > MAX_TOPIC_BYTES) {
    return `is longer than ${MAX_TOPIC_BYTES} UTF-8 bytes`;
  }
  return null;
}

/**
 * The levels of `topic` when it is a valid topic name, else null: `topicNameProblem` and
 * `split('/')` in one pass, for the publish hot path.
 */
export function splitTopicName(topic: string): string[] | null {
  const levels: string[] = [];
  let start = 0;
  for (let i = 0; i < topic.length; i++) {
    const code = topic.charCodeAt(i);
    if (code === SLASH) {
      levels.push(topic.slice(start, i));
      start = i + 1;
    } else if (code === PLUS || code === HASH || code === NUL) {
      return null;
    } else if ((code & 0xf800) === 0xd800) {
      i = skipSurrogatePair(topic, i);
      if (i < 0) return null;
    }
  }
  if (lengthProblem(topic) !== null) return null;
  levels.push(topic.slice(start));
  return levels;
}

/** Why `topic` cannot be published to, or null when it is a valid topic name. */
export function topicNameProblem(topic: string): string | null {
  for (let i = 0; i < topic.length; i++) {
    const code = topic.charCodeAt(i);
    // [MQTT-4.7.1-1] wildcards are for subscriptions only, never in a topic name.
    if (code === PLUS || code === HASH) {
      return 'contains a wildcard (+ or #), which is only allowed in subscriptions';
    }
    // [MQTT-4.7.3-2] topic names and filters must not contain U+0000.
    if (code === NUL) return 'contains a NUL character';
    if ((code & 0xf800) === 0xd800) {
      i = skipSurrogatePair(topic, i);
      if (i < 0) return 'contains an unpaired UTF-16 surrogate';
    }
  }
  // [MQTT-4.7.3-1] topic names must be at least one character long.
  return lengthProblem(topic);
}

/** Why `filter` cannot be subscribed to, or null when it is a valid topic filter. */
export function topicFilterProblem(filter: string): string | null {
  const last = filter.length - 1;
  for (let i = 0; i <= last; i++) {
    const code = filter.charCodeAt(i);
    if (code === PLUS || code === HASH) {
      const alone =
        (i === 0 || filter.charCodeAt(i - 1) === SLASH) &&
        (i === last || filter.charCodeAt(i + 1) === SLASH);
      // [MQTT-4.7.1-2] '#' must be the last character and occupy a whole level.
      if (code === HASH && !(alone && i === last)) {
        return "uses '#' other than as the whole last level";
      }
      // [MQTT-4.7.1-3] '+' must occupy an entire level.
      if (code === PLUS && !alone) return "uses '+' inside a level instead of as a whole level";
    } else if (code === NUL) {
      return 'contains a NUL character';
    } else if ((code & 0xf800) === 0xd800) {
      i = skipSurrogatePair(filter, i);
      if (i < 0) return 'contains an unpaired UTF-16 surrogate';
    }
  }
  return lengthProblem(filter);
}

/** Renders untrusted text for a human-readable message: quoted, control characters escaped. */
export function quote(text: string, maxLength = 80): string {
  const shown = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  let out = "'";
  for (let i = 0; i < shown.length; i++) {
    const code = shown.charCodeAt(i);
    if ((code & 0xf800) === 0xd800) {
      const end = skipSurrogatePair(shown, i);
      out += end < 0 ? `\\u${code.toString(16)}` : shown.slice(i, end + 1);
      i = Math.max(i, end);
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else if (code === 0x27 || code === 0x5c) {
      out += `\\${shown.charAt(i)}`;
    } else {
      out += shown.charAt(i);
    }
  }
  return `${out}'`;
}
