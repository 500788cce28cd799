const MAX_FILTER_LENGTH = 256;

/** Why `filter` is not a valid MQTT topic filter, or undefined when it is. */
export function filterProblem(filter: string): string | undefined {
  if (filter === '') return 'Enter a topic filter, e.g. devices/+/telemetry.';
  if (filter.length > MAX_FILTER_LENGTH)
    return `A filter may have at most ${MAX_FILTER_LENGTH} characters.`;
  if (!/^[\x20-\x7E]+$/.test(filter)) return 'Use printable ASCII characters only.';
  const levels = filter.split('/');
  for (const [index, level] of levels.entries()) {
    // [MQTT-4.7.1-2] '#' stands alone as the last level.
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1))
      return "'#' must be a whole level and the last one, e.g. devices/#.";
    // [MQTT-4.7.1-3] '+' occupies a whole level.
    if (level.includes('+') && level !== '+')
      return "'+' must be a whole level, e.g. devices/+/status.";
  }
  return undefined;
}
