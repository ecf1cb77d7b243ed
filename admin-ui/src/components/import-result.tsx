// What a pasted list of numbers came to (a campaign's numbers, the do-not-call list): the counts beside the button
// that sent it, and under them the lines the server refused, each with its reason.

/** A line of the list the server refused; `line` is 1-based. */
export interface RefusedImportLine {
  line: number;
  input: string;
  reason: string;
}

/**
 * "12 added, 1 already in the campaign, 1 invalid": the added count always, then each other count that is not zero
 * (`others`: the count and what it was, in order), then the refused lines'.
 */
export function importSummary(added: number, others: readonly [number, string][], invalid: number): string {
  const parts = [`${added} added`];
  for (const [n, what] of others) if (n) parts.push(`${n} ${what}`);
  if (invalid) parts.push(`${invalid} invalid`);
  return parts.join(', ');
}

/** The summary line (a status: read out when it appears); green when something was added. */
export function ImportStatus({ added, text, testid }: { added: number; text: string; testid: string }) {
  return (
    <span class={added ? 'ok' : 'muted'} role="status" data-testid={testid}>
      {text}
    </span>
  );
}

/** "Line 6: `abc`: not a valid phone number …", one item a refused line; nothing when none was. */
export function RefusedLines({ lines, testid }: { lines: readonly RefusedImportLine[]; testid: string }) {
  if (!lines.length) return null;
  return (
    <ul class="small" data-testid={testid}>
      {lines.map((x) => (
        <li key={x.line} data-line={x.line}>
          Line {x.line}: <code>{x.input}</code>: {x.reason}
        </li>
      ))}
    </ul>
  );
}
