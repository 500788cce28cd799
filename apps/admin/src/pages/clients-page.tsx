import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { clientsApi, type ClientState, type ClientView } from '../api/clients-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { BrokerList } from '../clients/broker-list.tsx';
import { ClientRow } from '../clients/client-row.tsx';
import { Field } from '../ui/field.tsx';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { useNow } from '../ui/use-now.ts';
import { EmptyState, ErrorState, ForbiddenState, LoadingState } from '../ui/states.tsx';

const PAGE_SIZE = 50;
const REFRESH_MS = 5_000;
const STATES: readonly (ClientState | 'all')[] = ['all', 'connected', 'offline', 'stale'];

function ClientTable(props: { q: string; state: ClientState | 'all' }) {
  const { api } = useServices();
  const canAct = useCan('clients.act');
  const queryClient = useQueryClient();
  const pages = useCursorPages();
  const now = useNow();
  const { page } = pages;
  const list = useQuery({
    queryKey: ['clients', 'list', props.q, props.state, pages.cursor],
    queryFn: ({ signal }) =>
      clientsApi.list(
        api,
        {
          limit: PAGE_SIZE,
          cursor: pages.cursor,
          q: props.q || undefined,
          state: props.state === 'all' ? undefined : props.state,
        },
        signal,
      ),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['clients'] });
  const disconnect = useMutation({
    mutationFn: (client: ClientView) => clientsApi.disconnect(api, client.clientId),
    onSettled: refresh,
  });
  const clear = useMutation({
    mutationFn: (client: ClientView) => clientsApi.clearSession(api, client.clientId),
    onSettled: refresh,
  });

  if (list.isPending) return <LoadingState label="Loading clients…" />;
  if (list.isError)
    return (
      <ErrorState
        error={list.error}
        title="Clients could not be loaded"
        onRetry={() => void list.refetch()}
      />
    );
  const { items, hasMore, nextCursor, counts } = list.data;
  const failed = disconnect.isError ? disconnect : clear.isError ? clear : undefined;
  return (
    <>
      <p className="muted" data-testid="client-counts">
        {counts.connected} connected · {counts.offline} offline sessions
        {counts.stale > 0 ? ` · ${counts.stale} stale (their broker stopped reporting)` : ''}
      </p>
      {failed ? (
        <ErrorState
          error={failed.error}
          title={`${failed === disconnect ? 'Not disconnected' : 'Session not cleared'}: ${failed.variables.clientId}`}
        />
      ) : null}
      {items.length === 0 && page === 0 ? (
        <EmptyState
          title={props.q || props.state !== 'all' ? 'No client matches' : 'No MQTT clients'}
        >
          <p className="muted">
            Devices, dashboards and tools appear here while connected, and persistent sessions while
            they wait offline.
          </p>
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="client-table">
            <caption className="visually-hidden">MQTT clients and sessions</caption>
            <thead>
              <tr>
                <th scope="col">Client id</th>
                <th scope="col">State</th>
                <th scope="col">Principal</th>
                <th scope="col">Protocol</th>
                <th scope="col">Address</th>
                <th scope="col">Since</th>
                <th scope="col" className="num">
                  Keepalive
                </th>
                <th scope="col">Subscriptions</th>
                <th scope="col" className="num">
                  In flight
                </th>
                <th scope="col" className="num">
                  Queued
                </th>
                <th scope="col">Broker</th>
                {canAct ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((client) => (
                <ClientRow
                  key={client.clientId}
                  client={client}
                  now={now}
                  canAct={canAct}
                  busy={
                    (disconnect.isPending && disconnect.variables.clientId === client.clientId) ||
                    (clear.isPending && clear.variables.clientId === client.clientId)
                  }
                  onDisconnect={() => {
                    clear.reset();
                    disconnect.mutate(client);
                  }}
                  onClearSession={() => {
                    disconnect.reset();
                    clear.mutate(client);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Client pages" pages={pages} nextCursor={hasMore ? nextCursor : null} />
    </>
  );
}

/** Every MQTT client and persistent session on every broker, with what an operator can do. */
export function ClientsPage() {
  const canRead = useCan('clients.read');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const stateParam = params.get('state');
  const state = STATES.find((each) => each === stateParam) ?? 'all';
  const [search, setSearch] = useState(q);

  useEffect(() => {
    if (search.trim() === q) return;
    const timer = setTimeout(() => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (search.trim()) next.set('q', search.trim());
          else next.delete('q');
          return next;
        },
        { replace: true },
      );
    }, 300);
    return () => {
      clearTimeout(timer);
    };
  }, [search, q, setParams]);

  if (!canRead)
    return (
      <div className="page">
        <h1>Clients</h1>
        <ForbiddenState what="MQTT clients" />
      </div>
    );
  return (
    <div className="page">
      <h1>Clients</h1>
      <p className="muted">
        MQTT connections and persistent sessions on every broker. Disconnect closes a connection (a
        persistent session stays, offline); Clear session also discards its subscriptions and queued
        messages.
      </p>
      <BrokerList />
      <div className="filters" role="search">
        <label>
          Search
          <input
            type="search"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
            }}
            placeholder="client id, device or user"
            maxLength={128}
          />
        </label>
        <Field label="State">
          {(control) => (
            <select
              {...control}
              value={state}
              onChange={(event) => {
                setParams(
                  (current) => {
                    const next = new URLSearchParams(current);
                    if (event.target.value === 'all') next.delete('state');
                    else next.set('state', event.target.value);
                    return next;
                  },
                  { replace: true },
                );
              }}
            >
              <option value="all">All</option>
              <option value="connected">Connected</option>
              <option value="offline">Offline sessions</option>
              <option value="stale">Stale</option>
            </select>
          )}
        </Field>
      </div>
      <section className="card" aria-label="Client list">
        <ClientTable key={`${q}|${state}`} q={q} state={state} />
      </section>
    </div>
  );
}
