import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/api-client.ts';
import { App } from './app/app.tsx';
import type { Services } from './app/services.tsx';
import { SessionStore } from './auth/session-store.ts';
import { loadRuntimeConfig } from './config/runtime-config.ts';
import { LiveConnection } from './live/live-connection.ts';
import './styles.css';

async function boot(): Promise<void> {
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  const config = await loadRuntimeConfig();
  const sessions = new SessionStore(window.localStorage);
  sessions.watchOtherTabs(window);
  const api = new ApiClient({ baseUrl: config.apiBaseUrl, sessions });
  const live = new LiveConnection({ url: () => api.liveUrl() });
  // Signed out here or in another tab: the live stream closes with the session.
  sessions.subscribe(() => {
    if (!sessions.get()) live.stop();
  });
  const services: Services = { config, api, sessions, live };
  createRoot(root).render(
    <StrictMode>
      <App services={services} />
    </StrictMode>,
  );
}

void boot();
