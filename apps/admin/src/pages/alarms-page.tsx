import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { alarmsApi, type Alarm, type AlarmQuery } from '../api/alarms-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { formatDateTime, formatRelative } from '../ui/format.ts';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { EmptyState, ErrorState, LoadingState } from '../ui/states.tsx';
import { useNow } from '../ui/use-now.ts';

const PAGE_SIZE = 50;
const REFRESH_MS = 5_000;

type StateFilter = NonNullable<AlarmQuery['state']> | 'all';
const STATE_FILTERS: readonly { value: StateFilter; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'raised', label: 'Not acknowledged' },
  { value: 'cleared', label: 'Cleared' },
  { value: 'all', label: 'All' },
];

function AlarmTable(props: { state: StateFilter }) {
  const { api } = useServices();
  const canAct = useCan('alarms.act');
  const queryClient = useQueryClient();
  const pages = useCursorPages();
  const now = useNow();
  const list = useQuery({
    queryKey: ['alarms', props.state, pages.cursor],
    queryFn: ({ signal }) =>
      alarmsApi.list(
        api,
        {
          ...(props.state === 'all' ? {} : { state: props.state }),
          limit: PAGE_SIZE,
          cursor: pages.cursor,
        },
        signal,
      ),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
  const act = useMutation({
    mutationFn: ({ alarm, action }: { alarm: Alarm; action: 'acknowledge' | 'clear' }) =>
      action === 'acknowledge'
        ? alarmsApi.acknowledge(api, alarm.id)
        : alarmsApi.clear(api, alarm.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['alarms'] }),
  });

  if (list.isPending) return <LoadingState label="Loading alarms…" />;
  if (list.isError)
    return (
      <ErrorState
        error={list.error}
        title="Alarms could not be loaded"
        onRetry={() => void list.refetch()}
      />
    );
  const { items, nextCursor } = list.data;
  return (
    <>
      {act.isError ? <ErrorState error={act.error} title="The alarm was not changed" /> : null}
      {items.length === 0 && pages.page === 0 ? (
        <EmptyState title="No alarm here">
          <p className="muted">Alarms are raised by the alarm rules as readings arrive.</p>
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="alarms-table">
            <caption className="visually-hidden">Alarms</caption>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Device</th>
                <th scope="col">Rule</th>
                <th scope="col">Message</th>
                <th scope="col">State</th>
                <th scope="col">Raised</th>
                {canAct ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((alarm) => (
                <tr key={alarm.id} data-alarm={alarm.id} data-device={alarm.deviceId}>
                  <td>
                    <span className={`severity severity-${alarm.severity}`}>{alarm.severity}</span>
                  </td>
                  <td>{alarm.deviceId}</td>
                  <td>{alarm.ruleName}</td>
                  <td>{alarm.message}</td>
                  <td>
                    {alarm.state}
                    {alarm.acknowledgedBy ? (
                      <span className="muted"> by {alarm.acknowledgedBy}</span>
                    ) : null}
                  </td>
                  <td title={formatDateTime(alarm.raisedAt)}>
                    {formatRelative(alarm.raisedAt, now)}
                  </td>
                  {canAct ? (
                    <td className="actions">
                      {alarm.state === 'raised' ? (
                        <button
                          type="button"
                          className="secondary small"
                          disabled={act.isPending}
                          onClick={() => {
                            act.mutate({ alarm, action: 'acknowledge' });
                          }}
                        >
                          Acknowledge
                        </button>
                      ) : null}
                      {alarm.state !== 'cleared' ? (
                        <button
                          type="button"
                          className="secondary small"
                          disabled={act.isPending}
                          onClick={() => {
                            act.mutate({ alarm, action: 'clear' });
                          }}
                        >
                          Clear
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Alarm pages" pages={pages} nextCursor={nextCursor} />
    </>
  );
}

/** Alarms: open ones first by default, the history under the other filters. */
export function AlarmsPage() {
  const [params, setParams] = useSearchParams();
  const state = (params.get('state') as StateFilter | null) ?? 'open';
  return (
    <div className="page">
      <h1>Alarms</h1>
      <p className="muted">
        Raised by the alarm rules; an acknowledged alarm stays open until its condition stops
        holding or it is cleared by hand.
      </p>
      <div className="filters" role="group" aria-label="Show alarms">
        {STATE_FILTERS.map((filter) => (
          <button
            key={filter.value}
            type="button"
            className={filter.value === state ? 'small' : 'secondary small'}
            aria-pressed={filter.value === state}
            onClick={() => {
              setParams({ state: filter.value }, { replace: true });
            }}
          >
            {filter.label}
          </button>
        ))}
      </div>
      <section className="card" aria-label="Alarm list">
        <AlarmTable key={state} state={state} />
      </section>
    </div>
  );
}
