import { useState } from 'react';

/** Copies `text`; says so where screen readers hear it. */
export function CopyButton(props: { text: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <span className="copy">
      <button type="button" className="secondary small" onClick={() => void copy()}>
        {props.label}
      </button>
      <span role="status" className="copy-status">
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed: select and copy' : ''}
      </span>
    </span>
  );
}
