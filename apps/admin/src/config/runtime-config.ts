/**
 * Where the API is, decided at boot: `config.json` beside index.html (overwritten by the
 * deploy at container start), else the build's VITE_API_BASE_URL, else the API's default
 * port under the dev server, else the origin that served the app.
 */
export interface RuntimeConfig {
  /** e.g. `https://api.example.com`, without a trailing slash. */
  apiBaseUrl: string;
  /** The broker for devices, in connection snippets: `mqtt://host:1883` or `mqtts://host:8883`. */
  mqttUrl: string;
  /** MQTT over WebSocket, e.g. `wss://mqtt.example.com/mqtt`. */
  mqttWsUrl: string;
  /** The API's WebSocket endpoint for devices, e.g. `wss://api.example.com/ws/device`. */
  deviceWsUrl: string;
}

export interface ConfigSources {
  /** config.json as fetched; undefined when it was missing or not JSON. */
  file: unknown;
  buildTimeApiBaseUrl: string | undefined;
  isDevServer: boolean;
  /** The origin the app was served from (`location.origin`). */
  pageOrigin: string;
}

const DEV_SERVER_API_BASE_URL = 'http://localhost:3000';
const DEFAULT_MQTT_PORT = 1883;
const DEFAULT_MQTT_WS_PORT = 8083;

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function fileField(file: unknown, key: string): string | undefined {
  if (typeof file !== 'object' || file === null || !(key in file)) return undefined;
  return nonEmptyString((file as Record<string, unknown>)[key]);
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function resolveRuntimeConfig(sources: ConfigSources): RuntimeConfig {
  const apiBaseUrl = withoutTrailingSlash(
    fileField(sources.file, 'apiBaseUrl') ??
      nonEmptyString(sources.buildTimeApiBaseUrl) ??
      (sources.isDevServer ? DEV_SERVER_API_BASE_URL : sources.pageOrigin),
  );
  // Without config.json's word, the architecture's default ports on the API's host: right for
  // a dev setup, and visibly a guess (config.json is where a deploy says the real ones).
  const host = new URL(apiBaseUrl).hostname;
  const mqttUrl = fileField(sources.file, 'mqttUrl') ?? `mqtt://${host}:${DEFAULT_MQTT_PORT}`;
  const mqttWsUrl =
    fileField(sources.file, 'mqttWsUrl') ?? `ws://${host}:${DEFAULT_MQTT_WS_PORT}/mqtt`;
  const deviceWsUrl = fileField(sources.file, 'deviceWsUrl') ?? deviceSocketUrl(apiBaseUrl);
  return { apiBaseUrl, mqttUrl, mqttWsUrl, deviceWsUrl };
}

/** The API's WebSocket device endpoint for its REST base URL (http → ws, https → wss). */
export function deviceSocketUrl(apiBaseUrl: string): string {
  const url = new URL('/ws/device', apiBaseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Fetches `config.json` relative to the page; a missing or broken file means "no overrides". */
export async function loadRuntimeConfig(
  fetchImpl: typeof fetch = fetch,
  baseUrl: string = document.baseURI,
): Promise<RuntimeConfig> {
  let file: unknown;
  try {
    const response = await fetchImpl(new URL('config.json', baseUrl), { cache: 'no-store' });
    file = response.ok ? await response.json() : undefined;
  } catch {
    file = undefined;
  }
  return resolveRuntimeConfig({
    file,
    buildTimeApiBaseUrl: import.meta.env.VITE_API_BASE_URL as string | undefined,
    isDevServer: import.meta.env.DEV,
    pageOrigin: window.location.origin,
  });
}
