import type { IPublishPacket } from 'mqtt';

/**
 * The topic of each PUBLISH a client wrote, aliases resolved: with MQTT 5 topic aliases a
 * PUBLISH after the first carries an empty topic and only the alias (MQTT 5.0 §3.3.2.3.4), and an
 * alias may be reassigned to another topic by a later PUBLISH carrying both.
 */
export class SentTopics {
  private readonly byAlias = new Map<number, string>();

  /** The PUBLISH's topic; undefined for an alias never set on this connection. */
  resolve(packet: Pick<IPublishPacket, 'topic' | 'properties'>): string | undefined {
    const topic = packet.topic;
    const alias = packet.properties?.topicAlias;
    if (alias === undefined) return topic;
    if (topic !== '') {
      this.byAlias.set(alias, topic);
      return topic;
    }
    return this.byAlias.get(alias);
  }

  /** A new network connection starts without aliases [MQTT-3.3.2-7]. */
  reset(): void {
    this.byAlias.clear();
  }
}
