import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { devicesApi, type IssuedCredential } from '../api/devices-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { CreateDeviceForm } from '../devices/create-device-form.tsx';
import { CredentialReveal } from '../devices/credential-reveal.tsx';
import { DeviceTable } from '../devices/device-table.tsx';
import { useLiveDeviceStatus } from '../devices/use-live-device-status.ts';
import { useLiveLastSeen } from '../devices/use-live-last-seen.ts';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { useNow } from '../ui/use-now.ts';
import { EmptyState, ErrorState, LoadingState } from '../ui/states.tsx';
import { Field } from '../ui/field.tsx';

const PAGE_SIZE = 25;
const SEARCH_DELAY_MS = 300;

type OnlineFilter = 'all' | 'online' | 'offline';

function DeviceList(props: {
  q: string;
  online: OnlineFilter;
  tag: string;
  onTag: (tag: string) => void;
}) {
  const { api } = useServices();
  const { statuses } = useLiveDeviceStatus();
  // Cursors of the pages visited, so "Previous" needs no backwards cursor from the API.
  const pages = useCursorPages();
  const { page } = pages;
  const list = useQuery({
    queryKey: ['devices', 'list', props.q, props.online, props.tag, pages.cursor],
    queryFn: ({ signal }) =>
      devicesApi.list(
        api,
        {
          limit: PAGE_SIZE,
          cursor: pages.cursor,
          q: props.q || undefined,
          online: props.online === 'all' ? undefined : props.online === 'online',
          tag: props.tag || undefined,
        },
        signal,
      ),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  const liveSeen = useLiveLastSeen(list.data?.items.map((device) => device.id) ?? []);
  const now = useNow();

  if (list.isPending) return <LoadingState label="Loading devices…" />;
  if (list.isError)
    return (
      <ErrorState
        error={list.error}
        title="Devices could not be loaded"
        onRetry={() => void list.refetch()}
      />
    );
  const { items, hasMore, nextCursor } = list.data;
  if (items.length === 0 && page === 0)
    return (
      <EmptyState
        title={
          props.q || props.tag || props.online !== 'all' ? 'No device matches' : 'No devices yet'
        }
      >
        <p className="muted">
          {props.q || props.tag || props.online !== 'all'
            ? 'Try another search or filter.'
            : 'Create one to get its credential and connection snippets.'}
        </p>
      </EmptyState>
    );
  return (
    <>
      <DeviceTable
        devices={items}
        liveStatus={statuses}
        liveSeen={liveSeen}
        now={now}
        onTag={props.onTag}
      />
      <Pager
        label="Device pages"
        pages={pages}
        nextCursor={hasMore ? nextCursor : null}
        updating={list.isFetching}
      />
    </>
  );
}

export function DevicesPage() {
  const canWrite = useCan('devices.write');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const onlineParam = params.get('online');
  const online: OnlineFilter =
    onlineParam === 'online' || onlineParam === 'offline' ? onlineParam : 'all';
  const tag = params.get('tag') ?? '';
  const [search, setSearch] = useState(q);
  const [tagDraft, setTagDraft] = useState(tag);
  const setTag = (next: string) => {
    setTagDraft(next);
    setParams(
      (current) => {
        const updated = new URLSearchParams(current);
        if (next) updated.set('tag', next);
        else updated.delete('tag');
        return updated;
      },
      { replace: true },
    );
  };
  const tagProblem =
    tagDraft.trim() !== '' && !/^[A-Za-z0-9_.:/-]+$/.test(tagDraft.trim())
      ? 'One tag: letters, digits and _ . : / -'
      : undefined;
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedCredential>();

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
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [search, q, setParams]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Devices</h1>
        {canWrite && !creating && !issued ? (
          <button
            type="button"
            onClick={() => {
              setCreating(true);
            }}
          >
            New device
          </button>
        ) : null}
      </div>
      {creating ? (
        <CreateDeviceForm
          onCancel={() => {
            setCreating(false);
          }}
          onCreated={(credential) => {
            setCreating(false);
            setIssued(credential);
          }}
        />
      ) : null}
      {issued ? (
        <>
          <CredentialReveal
            credential={issued}
            onDone={() => {
              setIssued(undefined);
            }}
          />
          <p>
            <Link to={`/devices/${encodeURIComponent(issued.deviceId)}`}>
              Open {issued.deviceId}
            </Link>
          </p>
        </>
      ) : null}
      <div className="filters" role="search">
        <label>
          Search
          <input
            type="search"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
            }}
            placeholder="id or name"
            maxLength={128}
          />
        </label>
        <Field label="Tag" error={tagProblem}>
          {(control) => (
            <input
              {...control}
              value={tagDraft}
              onChange={(event) => {
                setTagDraft(event.target.value);
              }}
              onKeyDown={(event) => {
                if (event.key === 'Enter' && !tagProblem) setTag(tagDraft.trim());
              }}
              onBlur={() => {
                if (!tagProblem && tagDraft.trim() !== tag) setTag(tagDraft.trim());
              }}
              placeholder="e.g. plant-a"
              maxLength={64}
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="State">
          {(control) => (
            <select
              {...control}
              value={online}
              onChange={(event) => {
                setParams(
                  (current) => {
                    const next = new URLSearchParams(current);
                    if (event.target.value === 'all') next.delete('online');
                    else next.set('online', event.target.value);
                    return next;
                  },
                  { replace: true },
                );
              }}
            >
              <option value="all">All</option>
              <option value="online">Online</option>
              <option value="offline">Offline</option>
            </select>
          )}
        </Field>
      </div>
      <section className="card" aria-label="Device list">
        <DeviceList key={`${q}|${online}|${tag}`} q={q} online={online} tag={tag} onTag={setTag} />
      </section>
    </div>
  );
}
