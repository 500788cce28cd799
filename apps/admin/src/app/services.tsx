import { createContext, use, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiClient } from '../api/api-client.ts';
import { can, type Capability } from '@twinwire/schemas/capabilities';
import type { Session, SessionStore } from '../auth/session-store.ts';
import type { RuntimeConfig } from '../config/runtime-config.ts';
import type { LiveConnection } from '../live/live-connection.ts';

/** Everything with a lifetime, created once at boot (main.tsx) and handed down. */
export interface Services {
  config: RuntimeConfig;
  api: ApiClient;
  sessions: SessionStore;
  live: LiveConnection;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider(props: { services: Services; children: ReactNode }) {
  return <ServicesContext value={props.services}>{props.children}</ServicesContext>;
}

export function useServices(): Services {
  const services = use(ServicesContext);
  if (!services) throw new Error('useServices outside <ServicesProvider>');
  return services;
}

export function useSession(): Session | null {
  const { sessions } = useServices();
  return useSyncExternalStore(
    (listener) => sessions.subscribe(listener),
    () => sessions.get(),
  );
}

/** Whether the signed-in user's role may do this (the API decides anyway). */
export function useCan(capability: Capability): boolean {
  return can(useSession()?.user.role, capability);
}
