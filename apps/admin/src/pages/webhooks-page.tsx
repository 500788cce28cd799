import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  webhooksApi,
  type CreatedWebhook,
  type WebhookInput,
  type WebhookView,
} from '../api/webhooks-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { ConfirmButton } from '../ui/confirm-button.tsx';
import { EmptyState, ErrorState, ForbiddenState, LoadingState } from '../ui/states.tsx';
import { SecretReveal } from '../webhooks/secret-reveal.tsx';
import { WebhookActivity } from '../webhooks/webhook-activity.tsx';
import { draftOf, emptyWebhookDraft } from '../webhooks/webhook-draft.ts';
import { WebhookForm } from '../webhooks/webhook-form.tsx';

const REFRESH_MS = 5_000;

function CreateWebhook(props: { onCreated: (webhook: CreatedWebhook) => void }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  // A new form (fresh draft) after each creation.
  const [formKey, setFormKey] = useState(0);
  const create = useMutation({
    mutationFn: (input: WebhookInput) => webhooksApi.create(api, input),
    onSuccess: async (webhook) => {
      props.onCreated(webhook);
      setFormKey((key) => key + 1);
      await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  return (
    <section className="card" aria-labelledby="new-webhook-heading">
      <h2 id="new-webhook-heading">New destination</h2>
      {create.isError ? (
        <ErrorState error={create.error} title="The destination was not added" />
      ) : null}
      <WebhookForm
        key={formKey}
        label="New webhook destination"
        initial={emptyWebhookDraft}
        submitLabel="Add destination"
        busy={create.isPending}
        onEdit={() => {
          create.reset();
        }}
        onSubmit={(input) => {
          create.mutate(input);
        }}
      />
    </section>
  );
}

function EditWebhook(props: { webhook: WebhookView; onClose: () => void }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: (input: WebhookInput) => webhooksApi.update(api, props.webhook.id, input),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
      props.onClose();
    },
  });
  return (
    <section className="card" aria-labelledby="edit-webhook-heading">
      <h2 id="edit-webhook-heading">Edit {props.webhook.name}</h2>
      {update.isError ? (
        <ErrorState error={update.error} title="The destination was not changed" />
      ) : null}
      <WebhookForm
        label={`Edit webhook ${props.webhook.name}`}
        initial={draftOf(props.webhook)}
        submitLabel="Save"
        busy={update.isPending}
        onEdit={() => {
          update.reset();
        }}
        onSubmit={(input) => {
          update.mutate(input);
        }}
        onCancel={props.onClose}
      />
    </section>
  );
}

function WebhookRow(props: {
  webhook: WebhookView;
  selected: boolean;
  onSelect: () => void;
  onEdit: () => void;
}) {
  const { webhook } = props;
  const { api } = useServices();
  const queryClient = useQueryClient();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const toggle = useMutation({
    mutationFn: () => webhooksApi.update(api, webhook.id, { enabled: !webhook.enabled }),
    onSettled: invalidate,
  });
  const remove = useMutation({
    mutationFn: () => webhooksApi.remove(api, webhook.id),
    onSettled: invalidate,
  });
  return (
    <tr data-webhook={webhook.name}>
      <th scope="row">{webhook.name}</th>
      <td>
        <code>{webhook.url}</code>
      </td>
      <td>{webhook.events.join(', ')}</td>
      <td>
        {webhook.enabled ? (
          <span className="badge badge-online">enabled</span>
        ) : (
          <span className="badge badge-offline">disabled</span>
        )}
      </td>
      <td>{webhook.pending}</td>
      <td>{webhook.dead}</td>
      <td className="row-actions">
        <div>
          <button
            type="button"
            className="secondary small"
            aria-pressed={props.selected}
            onClick={props.onSelect}
          >
            Activity
          </button>
          <button type="button" className="secondary small" onClick={props.onEdit}>
            Edit
          </button>
          <button
            type="button"
            className="secondary small"
            disabled={toggle.isPending}
            onClick={() => {
              toggle.mutate();
            }}
          >
            {webhook.enabled ? 'Disable' : 'Enable'}
          </button>
          <ConfirmButton
            label="Delete"
            confirmLabel={`Delete the destination ${webhook.name}`}
            busy={remove.isPending}
            onConfirm={() => {
              remove.mutate();
            }}
          />
        </div>
        <div aria-live="polite">
          {toggle.isError ? <ErrorState error={toggle.error} title="Not changed" /> : null}
          {remove.isError ? <ErrorState error={remove.error} title="Not deleted" /> : null}
        </div>
      </td>
    </tr>
  );
}

/**
 * Webhook destinations (admins): add one (its signing secret shown once), edit, disable,
 * delete; per destination its delivery log and dead letters, which can be re-sent.
 */
export function WebhooksPage() {
  const { api } = useServices();
  const canManage = useCan('webhooks.manage');
  const [created, setCreated] = useState<CreatedWebhook>();
  const [selectedId, setSelectedId] = useState<string>();
  const [editingId, setEditingId] = useState<string>();
  const webhooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: ({ signal }) => webhooksApi.list(api, signal),
    enabled: canManage,
    refetchInterval: REFRESH_MS,
  });
  if (!canManage)
    return (
      <div className="page">
        <h1>Webhooks</h1>
        <ForbiddenState what="webhooks" />
      </div>
    );
  const items = webhooks.data?.items ?? [];
  const selected = items.find((webhook) => webhook.id === selectedId);
  const editing = items.find((webhook) => webhook.id === editingId);
  return (
    <div className="page">
      <h1>Webhooks</h1>
      <p className="muted">
        Alarm, presence and telemetry events POSTed to other systems, signed, retried with back-off;
        an event that fails every attempt becomes a dead letter you can re-send.
      </p>
      {created ? (
        <SecretReveal
          webhook={created}
          onDone={() => {
            setCreated(undefined);
          }}
        />
      ) : null}
      <section className="card" aria-label="Webhook destinations">
        {webhooks.isPending ? (
          <LoadingState label="Loading webhook destinations…" />
        ) : webhooks.isError ? (
          <ErrorState
            error={webhooks.error}
            title="Webhook destinations could not be loaded"
            onRetry={() => void webhooks.refetch()}
          />
        ) : items.length === 0 ? (
          <EmptyState title="No destination yet">
            <p className="muted">Add one below to have events POSTed to it.</p>
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">Webhook destinations</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">State</th>
                  <th scope="col">Pending</th>
                  <th scope="col">Dead</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((webhook) => (
                  <WebhookRow
                    key={webhook.id}
                    webhook={webhook}
                    selected={webhook.id === selectedId}
                    onSelect={() => {
                      setSelectedId(webhook.id === selectedId ? undefined : webhook.id);
                    }}
                    onEdit={() => {
                      setEditingId(webhook.id);
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {editing ? (
        <EditWebhook
          key={editing.id}
          webhook={editing}
          onClose={() => {
            setEditingId(undefined);
          }}
        />
      ) : null}
      {selected ? <WebhookActivity key={selected.id} webhook={selected} /> : null}
      <CreateWebhook onCreated={setCreated} />
    </div>
  );
}
