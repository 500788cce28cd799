import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { alarmsApi, type AlarmRule, type AlarmRuleInput } from '../api/alarms-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { describeCondition } from '../alarms/rule-draft.ts';
import { RuleEditor } from '../alarms/rule-editor.tsx';
import { ConfirmButton } from '../ui/confirm-button.tsx';
import { EmptyState, ErrorState, LoadingState } from '../ui/states.tsx';

function scopeOf(rule: AlarmRule): string {
  if (rule.deviceId !== null) return `device ${rule.deviceId}`;
  if (rule.tag !== null) return `tag ${rule.tag}`;
  return 'all devices';
}

/** Alarm rules: the list, a form to add one, and removal (operators and admins). */
export function AlarmRulesPage() {
  const { api } = useServices();
  const canWrite = useCan('alarms.act');
  const queryClient = useQueryClient();
  const rules = useQuery({
    queryKey: ['alarm-rules'],
    queryFn: ({ signal }) => alarmsApi.rules(api, signal),
  });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['alarm-rules'] });
  const create = useMutation({
    mutationFn: (rule: AlarmRuleInput) => alarmsApi.createRule(api, rule),
    onSettled: invalidate,
  });
  const remove = useMutation({
    mutationFn: (rule: AlarmRule) => alarmsApi.deleteRule(api, rule.id),
    onSettled: invalidate,
  });

  return (
    <div className="page">
      <h1>Alarm rules</h1>
      <p className="muted">
        Every broker and API instance applies a rule as soon as it is saved, to MQTT and WebSocket
        devices alike.
      </p>
      {canWrite ? (
        <section className="card" aria-label="Add an alarm rule">
          <h2>New rule</h2>
          {create.isError ? (
            <ErrorState error={create.error} title="The rule was not created" />
          ) : null}
          <RuleEditor
            busy={create.isPending}
            onSubmit={(rule) => {
              create.mutate(rule);
            }}
          />
        </section>
      ) : null}
      <section className="card" aria-label="Alarm rule list">
        {rules.isPending ? (
          <LoadingState label="Loading alarm rules…" />
        ) : rules.isError ? (
          <ErrorState
            error={rules.error}
            title="Alarm rules could not be loaded"
            onRetry={() => void rules.refetch()}
          />
        ) : rules.data.items.length === 0 ? (
          <EmptyState title="No alarm rule yet" />
        ) : (
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">Alarm rules</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Devices</th>
                  <th scope="col">Condition</th>
                  <th scope="col">Raise / clear after</th>
                  <th scope="col">Severity</th>
                  {canWrite ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {rules.data.items.map((rule) => (
                  <tr key={rule.id} data-rule={rule.name}>
                    <td>{rule.name}</td>
                    <td>{scopeOf(rule)}</td>
                    <td>
                      <code>{describeCondition(rule)}</code>
                    </td>
                    <td>
                      {rule.raiseAfterS} s / {rule.clearAfterS} s
                    </td>
                    <td>
                      <span className={`severity severity-${rule.severity}`}>{rule.severity}</span>
                    </td>
                    {canWrite ? (
                      <td>
                        <ConfirmButton
                          label="Delete"
                          confirmLabel={`Delete the alarm rule ${rule.name}`}
                          busy={remove.isPending && remove.variables.id === rule.id}
                          onConfirm={() => {
                            remove.mutate(rule);
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
      </section>
    </div>
  );
}
