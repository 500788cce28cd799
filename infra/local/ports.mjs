// Checks, before anything starts, that every port the local platform needs is free, so a
// clash is reported by name with the variable that moves it.
import { createServer } from 'node:net';

/** Resolves true when `port` can be bound on `host` right now. */
export function isPortFree(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * `ports`: [{ variable: 'MQTT_PORT', port: 1883, what: 'MQTT over TCP' }, …].
 * Returns one message per port in use; empty when all are free.
 */
export async function portsInUse(ports, host) {
  const problems = [];
  for (const { variable, port, what } of ports) {
    if (await isPortFree(port, host)) continue;
    problems.push(
      `${variable} ${port} (${what}) is already in use on ${host}: set ${variable} to a free port, e.g. ${variable}=${port + 10_000} npm start`,
    );
  }
  return problems;
}
