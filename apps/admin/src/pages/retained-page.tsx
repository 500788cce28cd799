import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { retainedApi, type RetainedView } from '../api/retained-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { filterProblem } from '../explorer/filter-problem.ts';
import { ConfirmButton } from '../ui/confirm-button.tsx';
import { formatDateTime, formatNumber, formatRelative } from '../ui/format.ts';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { useNow } from '../ui/use-now.ts';
import { EmptyState, ErrorState, ForbiddenState, LoadingState } from '../ui/states.tsx';

const PAGE_SIZE = 50;
const REFRESH_MS = 10_000;

function publisherLabel(publisher: RetainedView['publisher']): string {
  if (publisher.kind === 'broker') return 'the broker';
  return `${publisher.kind} ${publisher.username ?? publisher.id}`;
}

function RetainedTable(props: { filter: string }) {
  const { api } = useServices();
  const canRemove = useCan('clients.act');
  const queryClient = useQueryClient();
  const pages = useCursorPages();
  const now = useNow();
  const { page } = pages;
  const list = useQuery({
    queryKey: ['retained', props.filter, pages.cursor],
    queryFn: ({ signal }) =>
      retainedApi.list(
        api,
        { filter: props.filter, limit: PAGE_SIZE, cursor: pages.cursor },
        signal,
      ),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
  const remove = useMutation({
    mutationFn: (item: RetainedView) => retainedApi.remove(api, item.topic),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['retained'] }),
  });

  if (list.isPending) return <LoadingState label="Loading retained messages…" />;
  if (list.isError)
    return (
      <ErrorState
        error={list.error}
        title="Retained messages could not be loaded"
        onRetry={() => void list.refetch()}
      />
    );
  const { items, nextCursor } = list.data;
  return (
    <>
      {remove.isError ? (
        <ErrorState error={remove.error} title={`Not removed: ${remove.variables.topic}`} />
      ) : null}
      {items.length === 0 && page === 0 ? (
        <EmptyState title="No retained message matches">
          <p className="muted">
            A message published with the retain flag is kept for new subscribers; devices&apos;
            status messages are retained by the broker.
          </p>
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="retained-table">
            <caption className="visually-hidden">Retained messages</caption>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col">Publisher</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col" className="num">
                  QoS
                </th>
                <th scope="col">Published</th>
                <th scope="col">Store</th>
                {canRemove ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={`${item.topic}|${item.brokerId}`} data-topic={item.topic}>
                  <td>
                    <code>{item.topic}</code>
                  </td>
                  <td>{publisherLabel(item.publisher)}</td>
                  <td className="num">{formatNumber(item.payloadBytes)} B</td>
                  <td className="num">{item.qos}</td>
                  <td title={formatDateTime(item.publishedAt)}>
                    {formatRelative(item.publishedAt, now)}
                  </td>
                  <td className="muted">
                    {item.brokerId === '' ? 'shared' : item.brokerId.slice(0, 8)}
                  </td>
                  {canRemove ? (
                    <td>
                      <ConfirmButton
                        label="Remove"
                        confirmLabel={`Remove the retained message on ${item.topic}`}
                        busy={remove.isPending && remove.variables.topic === item.topic}
                        onConfirm={() => {
                          remove.mutate(item);
                        }}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Retained message pages" pages={pages} nextCursor={nextCursor} />
    </>
  );
}

/** The retained messages every broker holds: browse by topic filter, remove one. */
export function RetainedPage() {
  const canRead = useCan('clients.read');
  const [params, setParams] = useSearchParams();
  const filter = params.get('filter') ?? '#';
  const [draft, setDraft] = useState(filter);
  const problem = filterProblem(draft);

  if (!canRead)
    return (
      <div className="page">
        <h1>Retained messages</h1>
        <ForbiddenState what="retained messages" />
      </div>
    );
  return (
    <div className="page">
      <h1>Retained messages</h1>
      <p className="muted">
        What a new subscriber is sent at once. A message is withheld while its publisher may no
        longer publish it (credential revoked, device deleted, rule removed). Removing one is like
        publishing an empty retained message, without delivering anything.
      </p>
      <form
        className="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          if (problem) return;
          setParams(
            (current) => {
              const next = new URLSearchParams(current);
              next.set('filter', draft.trim());
              return next;
            },
            { replace: true },
          );
        }}
      >
        <label>
          Topic filter
          <input
            value={draft}
            onChange={(event) => {
              setDraft(event.target.value);
            }}
            aria-invalid={problem !== undefined}
            aria-describedby={problem ? 'retained-filter-problem' : undefined}
            maxLength={256}
          />
        </label>
        <button type="submit" disabled={problem !== undefined}>
          Show
        </button>
        {problem ? (
          <p id="retained-filter-problem" className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
      </form>
      <section className="card" aria-label="Retained message list">
        <RetainedTable key={filter} filter={filter} />
      </section>
    </div>
  );
}
