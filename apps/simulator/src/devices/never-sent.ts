/**
 * mqtt.js 5 fails publishes made while it replays its outgoing store after a reconnect with
 * `Connection closed` when that connection drops too: they were queued in the client and
 * never written, so publishing them again cannot duplicate anything. (Reported upstream;
 * see docs/protocol-lab.md.) Any other error is final.
 */
export function neverLeftTheClient(error: Error | undefined): boolean {
  return error?.message === 'Connection closed';
}
