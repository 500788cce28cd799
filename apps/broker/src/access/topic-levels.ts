const SLASH = 0x2f;

/** The levels of a topic name or filter [MQTT-4.7.1]: one more than its `/` separators. */
export function topicLevels(topic: string): number {
  let levels = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === SLASH) levels++;
  return levels;
}
