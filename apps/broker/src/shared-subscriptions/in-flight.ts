import type { Client } from 'aedes';

/** A shared delivery not yet acknowledged: what to give another member if this one fails. */
export interface Unacknowledged<T> {
  share: string;
  message: T;
}

type WithParser = Client & {
  _parser: {
    on(event: 'packet', listener: (packet: { cmd: string; messageId?: number }) => void): void;
  };
  _nextId: number;
};

/**
 * The QoS 1 and 2 messages each member was sent through a shared subscription and has not
 * acknowledged. A PUBACK or a PUBREC settles one (whatever its reason code: [MQTT-4.8.2-6] a
 * refusal is final, the message is not offered to another member). The packet identifiers are
 * taken from the client's own counter, as aedes takes them, so a PUBACK names one message.
 */
export class InFlight<T> {
  readonly #byClient = new WeakMap<Client, Map<number, Unacknowledged<T>>>();

  /** Takes the client's next packet identifier and remembers the message under it. */
  add(client: Client, entry: Unacknowledged<T>): number {
    const wire = client as WithParser;
    let pending = this.#byClient.get(client);
    if (!pending) {
      pending = new Map();
      this.#byClient.set(client, pending);
      const settle = (packet: { cmd: string; messageId?: number }) => {
        if ((packet.cmd === 'puback' || packet.cmd === 'pubrec') && packet.messageId !== undefined)
          pending?.delete(packet.messageId);
      };
      wire._parser.on('packet', settle);
    }
    const messageId = wire._nextId;
    wire._nextId = messageId >= 65_535 ? 1 : messageId + 1;
    pending.set(messageId, entry);
    return messageId;
  }

  /** Everything the client still owes an acknowledgement for, forgotten here. */
  takeAll(client: Client): Map<number, Unacknowledged<T>> {
    const pending = this.#byClient.get(client);
    const taken = new Map(pending);
    pending?.clear();
    return taken;
  }
}
