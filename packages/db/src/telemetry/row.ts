/** One reading as the writer stores it; `ts` is epoch milliseconds, as devices send it. */
export interface TelemetryRow {
  deviceId: string;
  ts: number;
  seq: number;
  metrics: Record<string, number | boolean | string>;
}
