import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { rulesApi, type RuleDraft, type RuleView } from '../api/rules-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { ExplainPanel } from '../rules/explain-panel.tsx';
import { emptyRuleFields, fieldsOf, subjectLabel } from '../rules/rule-draft.ts';
import { RuleForm } from '../rules/rule-form.tsx';
import { ConfirmButton } from '../ui/confirm-button.tsx';
import { ErrorState, ForbiddenState, LoadingState } from '../ui/states.tsx';

function RuleRow(props: {
  rule: RuleView;
  deciding: boolean;
  canWrite: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { rule } = props;
  return (
    <tr
      className={props.deciding ? 'deciding' : undefined}
      aria-current={props.deciding ? 'true' : undefined}
    >
      <td>
        <span className={rule.effect === 'allow' ? 'badge badge-online' : 'badge badge-deny'}>
          {rule.effect}
        </span>
      </td>
      <td>{rule.action}</td>
      <td>
        <code>{rule.topic}</code>
      </td>
      <td>{subjectLabel(rule)}</td>
      <td>
        {rule.description ?? ''}
        {props.deciding ? <strong className="deciding-label"> ← deciding rule</strong> : null}
      </td>
      <td className="row-actions">
        {rule.builtIn ? (
          <span className="muted">built-in</span>
        ) : props.canWrite ? (
          <div>
            <button type="button" className="secondary small" onClick={props.onEdit}>
              Edit
            </button>
            <ConfirmButton label="Delete" confirmLabel="Delete rule" onConfirm={props.onDelete} />
          </div>
        ) : null}
      </td>
    </tr>
  );
}

export function RulesPage() {
  const { api } = useServices();
  const canRead = useCan('rules.read');
  const canWrite = useCan('rules.write');
  const canExplain = useCan('rules.explain');
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<RuleView>();
  const [decidingId, setDecidingId] = useState<string>();
  // A new key empties the add form after each rule added.
  const [added, setAdded] = useState(0);
  const rules = useQuery({
    queryKey: ['acl-rules'],
    queryFn: () => rulesApi.list(api),
    enabled: canRead,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['acl-rules'] });
  const save = useMutation({
    mutationFn: (draft: RuleDraft) =>
      editing ? rulesApi.update(api, editing.id, draft) : rulesApi.create(api, draft),
    onSuccess: async () => {
      if (!editing) setAdded((count) => count + 1);
      setEditing(undefined);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => rulesApi.remove(api, id),
    onSettled: refresh,
  });

  if (!canRead)
    return (
      <div className="page">
        <h1>Access rules</h1>
        <ForbiddenState what="access rules" />
      </div>
    );

  return (
    <div className="page">
      <h1>Access rules</h1>
      <p className="muted">
        Deny by default; a matching deny wins over any allow. Changes reach every broker and API
        instance at once.
      </p>
      <section className="card" aria-labelledby="rules-heading">
        <h2 id="rules-heading">Rules</h2>
        {remove.isError ? <ErrorState error={remove.error} title="Rule not deleted" /> : null}
        {rules.isPending ? (
          <LoadingState label="Loading rules…" />
        ) : rules.isError ? (
          <ErrorState error={rules.error} onRetry={() => void rules.refetch()} />
        ) : (
          <div className="table-scroll">
            <table className="rules-table">
              <thead>
                <tr>
                  <th scope="col">Effect</th>
                  <th scope="col">Action</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Applies to</th>
                  <th scope="col">Description</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rules.data.items.map((rule) => (
                  <RuleRow
                    key={rule.id}
                    rule={rule}
                    deciding={rule.id === decidingId}
                    canWrite={canWrite}
                    onEdit={() => {
                      save.reset();
                      setEditing(rule);
                    }}
                    onDelete={() => {
                      remove.reset();
                      remove.mutate(rule.id);
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div className="columns">
        {canWrite ? (
          <RuleForm
            key={editing?.id ?? `new-${added}`}
            initial={editing ? fieldsOf(editing) : emptyRuleFields}
            editingId={editing?.id}
            busy={save.isPending}
            error={save.error ?? undefined}
            onSubmit={(draft) => {
              save.mutate(draft);
            }}
            onEdit={() => {
              if (save.isError) save.reset();
            }}
            {...(editing
              ? {
                  onCancel: () => {
                    // The failed edit's draft and error go with the form; the add form is fresh.
                    save.reset();
                    setEditing(undefined);
                  },
                }
              : {})}
          />
        ) : (
          <p className="muted">Only admins may change rules.</p>
        )}
        {canExplain ? <ExplainPanel onDecidingRule={setDecidingId} /> : null}
      </div>
    </div>
  );
}
