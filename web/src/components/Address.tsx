import { useEffect, useRef, useState } from 'react';

/** `0x1234…abcd`: enough to tell addresses apart at a glance. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** A shortened address; the full value is in the tooltip, the copy button and `data-address`. */
export function Address({ address, label }: { address: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const codeRef = useRef<HTMLElement>(null);
  const resetRef = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(resetRef.current), []);

  const copy = async () => {
    let result: 'yes' | 'failed' = 'yes';
    try {
      await navigator.clipboard.writeText(address);
    } catch {
      // no clipboard permission: select the full address so the user can copy it by hand
      result = 'failed';
      const el = codeRef.current;
      const selection = window.getSelection();
      if (el && selection) {
        el.textContent = address;
        const range = document.createRange();
        range.selectNodeContents(el);
        selection.removeAllRanges();
        selection.addRange(range);
      }
    }
    setCopied(result);
    clearTimeout(resetRef.current);
    resetRef.current = setTimeout(() => setCopied(undefined), 1_500);
  };

  return (
    <span className="address">
      <code ref={codeRef} title={address} data-address={address}>
        {copied === 'failed' ? address : shortAddress(address)}
      </code>
      <button
        type="button"
        className="copy"
        onClick={() => void copy()}
        aria-label={`Copy ${label ? `${label} ` : ''}address ${address}`}
        title="Copy full address"
      >
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Press Ctrl+C' : 'Copy'}
      </button>
    </span>
  );
}
