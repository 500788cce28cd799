import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../api/api-client.ts';
import type { RuleView } from '../api/rules-api.ts';
import type { UserRole } from '../api/users-api.ts';
import { ServicesProvider, type Services } from '../app/services.tsx';
import { SessionStore } from '../auth/session-store.ts';
import { LiveConnection } from '../live/live-connection.ts';
import { RulesPage } from './rules-page.tsx';

const builtIn: RuleView = {
  id: 'default:admin:subscribe-all',
  effect: 'allow',
  action: 'subscribe',
  topic: '#',
  role: 'admin',
  principal: null,
  description: 'Every application topic',
  builtIn: true,
  createdAt: null,
  updatedAt: null,
};
const stored: RuleView = {
  ...builtIn,
  id: '7c1e4c9a-0000-4000-8000-000000000001',
  effect: 'deny',
  topic: 'devices/secret/#',
  description: 'Keep out',
  builtIn: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

let requests: string[];

/** The page as a user with `role` sees it, against an API answering the rule list. */
function renderAs(role: UserRole) {
  localStorage.clear();
  const sessions = new SessionStore(localStorage);
  sessions.set({
    accessToken: 'token',
    refreshToken: 'refresh',
    accessExpiresAt: Date.now() + 600_000,
    user: { id: 'u1', username: 'ada', role },
  });
  const api = new ApiClient({
    baseUrl: 'http://api.test',
    sessions,
    fetchImpl: async (input) => {
      requests.push(input instanceof Request ? input.url : input.toString());
      return new Response(JSON.stringify({ items: [builtIn, stored] }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  const services: Services = {
    config: {
      apiBaseUrl: 'http://api.test',
      mqttUrl: 'mqtt://api.test:1883',
      mqttWsUrl: 'ws://api.test:8083/mqtt',
      deviceWsUrl: 'ws://api.test/ws/device',
    },
    api,
    sessions,
    live: new LiveConnection({ url: () => Promise.reject(new Error('not in this test')) }),
  };
  render(
    <ServicesProvider services={services}>
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter>
          <RulesPage />
        </MemoryRouter>
      </QueryClientProvider>
    </ServicesProvider>,
  );
}

beforeEach(() => {
  requests = [];
});

describe('RulesPage by role', () => {
  it('tells a viewer the rules are not for their role, without asking the API', () => {
    renderAs('viewer');
    expect(screen.getByText('Your role may not see access rules')).toBeTruthy();
    expect(requests).toEqual([]);
  });

  it('lets an operator read and explain rules but offers no way to change them', async () => {
    renderAs('operator');
    await screen.findByText('Keep out');
    expect(screen.getByRole('heading', { name: 'Explain a decision' })).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Add a rule' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.getByText('Only admins may change rules.')).toBeTruthy();
  });

  it('lets an admin add rules and edit or delete stored ones, never built-in ones', async () => {
    renderAs('admin');
    await screen.findByText('Keep out');
    expect(screen.getByRole('form', { name: 'Add a rule' })).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Edit' })).toHaveLength(1);
    expect(screen.getAllByRole('button', { name: 'Delete' })).toHaveLength(1);
    expect(screen.getByText('built-in')).toBeTruthy();
  });
});
