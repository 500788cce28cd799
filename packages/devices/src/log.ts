/**
 * The logging the device core needs, object first: pino's logger and fastify's fit it, so
 * each app hands over the logger it already has.
 */
export interface DeviceLog {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
