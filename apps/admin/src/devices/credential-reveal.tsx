import type { IssuedCredential } from '../api/devices-api.ts';
import { useServices } from '../app/services.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { connectionSnippets } from './connection-snippets.ts';

/** A new credential's secret, shown this once, with ways to connect the device. */
export function CredentialReveal(props: { credential: IssuedCredential; onDone: () => void }) {
  const { config } = useServices();
  const { credential } = props;
  const snippets = connectionSnippets(credential, config);
  return (
    <section className="card reveal" aria-labelledby="secret-heading">
      <h2 id="secret-heading">Credential for {credential.deviceId}</h2>
      <p className="note note-warning" role="note">
        This secret is shown only now; the platform keeps only its hash. Copy it into the device
        before you close this panel. If it is lost, issue a new credential and revoke this one.
      </p>
      <dl className="facts">
        <dt>Client id / username</dt>
        <dd>
          <code>{credential.connect.mqtt.username}</code>
        </dd>
        <dt>Secret</dt>
        <dd className="secret-row">
          <code data-testid="device-secret">{credential.secret}</code>
          <CopyButton text={credential.secret} label="Copy secret" />
        </dd>
      </dl>
      {snippets.map((snippet) => (
        <section key={snippet.id} className="snippet" aria-label={snippet.label}>
          <div className="snippet-head">
            <h3>{snippet.label}</h3>
            <CopyButton text={snippet.code} label="Copy" />
          </div>
          <pre tabIndex={0}>
            <code>{snippet.code}</code>
          </pre>
        </section>
      ))}
      <button type="button" onClick={props.onDone}>
        I have stored the secret
      </button>
    </section>
  );
}
