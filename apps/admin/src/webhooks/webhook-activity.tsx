import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { webhooksApi, type WebhookView } from '../api/webhooks-api.ts';
import { useServices } from '../app/services.tsx';
import { formatDateTime } from '../ui/format.ts';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { EmptyState, ErrorState, LoadingState } from '../ui/states.tsx';

const PAGE_SIZE = 20;
const REFRESH_MS = 5_000;

/** Every attempt to deliver to this destination, newest first. */
function DeliveryLog(props: { webhook: WebhookView }) {
  const { api } = useServices();
  const pages = useCursorPages();
  const log = useQuery({
    queryKey: ['webhooks', props.webhook.id, 'deliveries', pages.cursor],
    queryFn: ({ signal }) =>
      webhooksApi.deliveries(
        api,
        props.webhook.id,
        { limit: PAGE_SIZE, cursor: pages.cursor },
        signal,
      ),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
  if (log.isPending) return <LoadingState label="Loading the delivery log…" />;
  if (log.isError)
    return (
      <ErrorState
        error={log.error}
        title="The delivery log could not be loaded"
        onRetry={() => void log.refetch()}
      />
    );
  const { items, nextCursor } = log.data;
  return (
    <>
      {items.length === 0 && pages.page === 0 ? (
        <EmptyState title="No delivery attempt yet" />
      ) : (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Delivery log of {props.webhook.name}</caption>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Event</th>
                <th scope="col">Attempt</th>
                <th scope="col">Outcome</th>
                <th scope="col">Took</th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <tr key={delivery.id} data-delivery={delivery.id} data-event={delivery.eventId}>
                  <td>{formatDateTime(delivery.attemptedAt)}</td>
                  <td>{delivery.eventType}</td>
                  <td>{delivery.attempt}</td>
                  <td>
                    {delivery.error ??
                      (delivery.statusCode === null ? '—' : `HTTP ${delivery.statusCode}`)}
                  </td>
                  <td>{delivery.durationMs} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Delivery log pages" pages={pages} nextCursor={nextCursor} />
    </>
  );
}

/** Events that failed every attempt; Re-send queues one again under the same event id. */
function DeadLetters(props: { webhook: WebhookView }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const pages = useCursorPages();
  const [resent, setResent] = useState<string>();
  const dead = useQuery({
    queryKey: ['webhooks', props.webhook.id, 'dead-letters', pages.cursor],
    queryFn: ({ signal }) =>
      webhooksApi.deadLetters(
        api,
        props.webhook.id,
        { limit: PAGE_SIZE, cursor: pages.cursor },
        signal,
      ),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
  const resend = useMutation({
    mutationFn: (outboxId: number) => webhooksApi.resend(api, outboxId),
    onMutate: () => {
      setResent(undefined);
    },
    onSuccess: (_nothing, outboxId) => {
      setResent(`Event ${outboxId} is queued again.`);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['webhooks'] }),
  });
  if (dead.isPending) return <LoadingState label="Loading dead letters…" />;
  if (dead.isError)
    return (
      <ErrorState
        error={dead.error}
        title="Dead letters could not be loaded"
        onRetry={() => void dead.refetch()}
      />
    );
  const { items, nextCursor } = dead.data;
  return (
    <>
      <div aria-live="polite">
        {resend.isError ? <ErrorState error={resend.error} title="Not re-sent" /> : null}
        {resent ? <p className="note note-success">{resent}</p> : null}
      </div>
      {items.length === 0 && pages.page === 0 ? (
        <EmptyState title="No dead letter" />
      ) : (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Dead letters of {props.webhook.name}</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Device</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((letter) => (
                <tr key={letter.outboxId} data-dead-letter={letter.outboxId}>
                  <td>{formatDateTime(letter.createdAt)}</td>
                  <td>
                    {letter.eventType}
                    <br />
                    <code className="muted">{letter.eventId}</code>
                  </td>
                  <td>{letter.deviceId ?? '—'}</td>
                  <td>{letter.attempts}</td>
                  <td>{letter.lastError ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      disabled={resend.isPending}
                      onClick={() => {
                        resend.mutate(letter.outboxId);
                      }}
                    >
                      Re-send
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Dead letter pages" pages={pages} nextCursor={nextCursor} />
    </>
  );
}

/** One destination's delivery log and dead letters, refreshed every 5 s. */
export function WebhookActivity(props: { webhook: WebhookView }) {
  return (
    <section className="card" aria-label={`Activity of ${props.webhook.name}`}>
      <h2>{props.webhook.name}</h2>
      <h3>Dead letters</h3>
      <DeadLetters webhook={props.webhook} />
      <h3>Delivery log</h3>
      <DeliveryLog webhook={props.webhook} />
    </section>
  );
}
