import type { CreatedWebhook } from '../api/webhooks-api.ts';
import { CopyButton } from '../ui/copy-button.tsx';

/** A new destination's signing secret: the API answers it once, at creation, and never again. */
export function SecretReveal(props: { webhook: CreatedWebhook; onDone: () => void }) {
  const { webhook } = props;
  return (
    <section className="card reveal" aria-labelledby="webhook-secret-heading">
      <h2 id="webhook-secret-heading">Signing secret for {webhook.name}</h2>
      <p className="note note-warning" role="note">
        This secret is shown only now. The receiver verifies each request’s Twinwire-Signature
        header with it (docs/alarms-and-webhooks.md). If it is lost, delete the destination and add
        it again.
      </p>
      <dl className="facts">
        <dt>Secret</dt>
        <dd className="secret-row">
          <code data-testid="webhook-secret">{webhook.secret}</code>
          <CopyButton text={webhook.secret} label="Copy secret" />
        </dd>
      </dl>
      <button type="button" onClick={props.onDone}>
        I have stored the secret
      </button>
    </section>
  );
}
