// IVR flows: the list, and an editor with a structured node view (issues shown next to their node and field),
// a JSON view for power users, validate, save a version, publish and roll back.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { FlowDocument, FlowIssue, FlowNode } from '../api/types.js';
import { ErrorBox, Field, Loading, PageHeader, inputValue, useAction, useLoad } from '../components/ui.js';
import { fmtTime } from '../format.js';
import { navigate } from '../router.js';

export function IvrListPage({ canEdit }: { canEdit: boolean }) {
  const list = useLoad(() => api.ivr.list(), []);
  const [name, setName] = useState('');
  return (
    <div>
      <PageHeader title="IVR flows">
        {canEdit ? (
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (/^[A-Za-z0-9_.-]{1,64}$/.test(name.trim())) navigate(`/admin/ivr/${encodeURIComponent(name.trim())}`);
            }}
          >
            <input
              placeholder="new flow name"
              value={name}
              onInput={(e) => setName(inputValue(e))}
              pattern="[A-Za-z0-9_.\-]{1,64}"
            />
            <button class="primary" type="submit">
              New flow
            </button>
          </form>
        ) : null}
      </PageHeader>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !list.data} />
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Description</th>
            <th>Live version</th>
            <th>Latest version</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((f) => (
            <tr key={f.id}>
              <td>
                <a href={`#/admin/ivr/${encodeURIComponent(f.name)}`}>{f.name}</a>
              </td>
              <td>{f.description ?? ''}</td>
              <td>{f.publishedVersion ?? '—'}</td>
              <td>{f.latestVersion ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// --- node field specs ------------------------------------------------------------------------------------------

type Kind = 'prompt' | 'node' | 'text' | 'number' | 'bool' | 'keys-node' | 'keys-text';
interface Spec {
  key: string;
  kind: Kind;
  optional?: boolean;
  hint?: string;
}

const P: Spec = { key: 'prompt', kind: 'prompt' };
const SPECS: Record<string, Spec[]> = {
  play: [P, { key: 'next', kind: 'node' }],
  menu: [
    P,
    { key: 'choices', kind: 'keys-node' },
    { key: 'variable', kind: 'text', optional: true, hint: 'stores the key (default menu)' },
    { key: 'timeoutMs', kind: 'number', optional: true },
    { key: 'retries', kind: 'number', optional: true },
    { key: 'invalidPrompt', kind: 'prompt', optional: true },
    { key: 'noInputPrompt', kind: 'prompt', optional: true },
    { key: 'onFailure', kind: 'node' },
  ],
  collect: [
    P,
    { key: 'variable', kind: 'text' },
    { key: 'minDigits', kind: 'number', optional: true },
    { key: 'maxDigits', kind: 'number' },
    { key: 'terminator', kind: 'text', optional: true },
    { key: 'pattern', kind: 'text', optional: true, hint: 'regular expression' },
    { key: 'timeoutMs', kind: 'number', optional: true },
    { key: 'retries', kind: 'number', optional: true },
    { key: 'next', kind: 'node' },
    { key: 'onFailure', kind: 'node' },
  ],
  lookup: [
    { key: 'kind', kind: 'text', hint: 'order_status' },
    { key: 'input', kind: 'text', hint: 'variable with the order number' },
    { key: 'readBack', kind: 'bool', optional: true },
    { key: 'found', kind: 'node' },
    { key: 'notFound', kind: 'node' },
  ],
  set: [
    { key: 'variable', kind: 'text' },
    { key: 'value', kind: 'text' },
    { key: 'next', kind: 'node' },
  ],
  hours: [
    { key: 'businessHours', kind: 'text', hint: 'business hours name' },
    { key: 'open', kind: 'node' },
    { key: 'closed', kind: 'node' },
    { key: 'holiday', kind: 'node', optional: true },
  ],
  language: [
    P,
    { key: 'choices', kind: 'keys-text', hint: 'key → language code' },
    { key: 'timeoutMs', kind: 'number', optional: true },
    { key: 'next', kind: 'node' },
  ],
  queue: [
    { key: 'queue', kind: 'text', optional: true, hint: 'blank: the router decides' },
    { key: 'priority', kind: 'number', optional: true },
    { key: 'prompt', kind: 'prompt', optional: true },
  ],
  transfer: [
    { key: 'number', kind: 'text' },
    { key: 'prompt', kind: 'prompt', optional: true },
  ],
  voicemail: [
    { key: 'prompt', kind: 'prompt', optional: true },
    { key: 'queue', kind: 'text', optional: true },
    { key: 'maxSeconds', kind: 'number', optional: true },
  ],
  hangup: [{ key: 'prompt', kind: 'prompt', optional: true }],
};
const NODE_TYPES = Object.keys(SPECS);

function newNode(type: string, fallback: string): FlowNode {
  switch (type) {
    case 'play':
      return { type, prompt: ['sound:hello-world'], next: fallback };
    case 'menu':
      return { type, prompt: ['sound:press-1'], choices: { '1': fallback }, onFailure: fallback };
    case 'collect':
      return {
        type,
        prompt: ['sound:enter-number'],
        variable: 'digits',
        maxDigits: 8,
        next: fallback,
        onFailure: fallback,
      };
    case 'lookup':
      return { type, kind: 'order_status', input: 'order', found: fallback, notFound: fallback };
    case 'set':
      return { type, variable: 'topic', value: '', next: fallback };
    case 'hours':
      return { type, businessHours: 'default', open: fallback, closed: fallback };
    case 'language':
      return { type, prompt: ['sound:language'], choices: { '1': 'en' }, next: fallback };
    case 'transfer':
      return { type, number: '+8610000000' };
    default:
      return { type };
  }
}

const EMPTY_FLOW: FlowDocument = {
  format: 1,
  start: 'welcome',
  language: 'en',
  nodes: { welcome: { type: 'play', prompt: ['sound:welcome'], next: 'bye' }, bye: { type: 'hangup' } },
};

function issuesAt(issues: FlowIssue[], prefix: string): FlowIssue[] {
  return issues.filter((i) => i.path === prefix || i.path.startsWith(prefix + '.'));
}

export function IvrEditorPage({ name, canEdit }: { name: string; canEdit: boolean }) {
  const versions = useLoad(() => api.ivr.versions(name).catch(() => ({ items: [] })), [name]);
  const [doc, setDoc] = useState<FlowDocument | null>(null);
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  const [issues, setIssues] = useState<FlowIssue[] | null>(null);
  const [view, setView] = useState<'nodes' | 'json'>('nodes');
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  const items = versions.data?.items ?? [];
  const live = items.find((v) => v.published)?.version ?? null;

  const load = async (version: number) => {
    const r = await action.run(() => api.ivr.version(name, version));
    if (r) {
      setDoc(r.document);
      setLoadedVersion(version);
      setIssues(null);
    }
  };
  useEffect(() => {
    if (doc || !versions.data) return;
    const newest = versions.data.items[0];
    if (newest) void load(newest.version);
    else setDoc(structuredClone(EMPTY_FLOW));
  }, [versions.data]);

  /** The document being edited; from the JSON view it must parse first. */
  const current = (): FlowDocument | null => {
    if (view === 'nodes') return doc;
    try {
      const parsed = JSON.parse(json) as FlowDocument;
      setJsonError(null);
      setDoc(parsed);
      return parsed;
    } catch (e) {
      setJsonError(`Not valid JSON: ${(e as Error).message}`);
      return null;
    }
  };
  const validate = async () => {
    const d = current();
    if (!d) return false;
    const r = await action.run(() => api.ivr.validate(d));
    if (r) setIssues(r.issues);
    return r?.ok ?? false;
  };
  const save = async () => {
    setNotice(null);
    const d = current();
    if (!d) return;
    if (!(await validate())) return;
    const r = await action.run(() => api.ivr.save(name, d));
    if (r) {
      setLoadedVersion(r.version);
      setNotice(`Saved version ${r.version} (not live yet).`);
      versions.reload();
    }
  };
  const publish = async (version: number) => {
    const r = await action.run(() => api.ivr.publish(name, version));
    if (r) {
      setNotice(`Version ${r.publishedVersion} is live.`);
      versions.reload();
    }
  };
  const rollback = async () => {
    const r = await action.run(() => api.ivr.rollback(name));
    if (r) {
      setNotice(`Rolled back: version ${r.publishedVersion} is live.`);
      versions.reload();
    }
  };

  const updateNode = (id: string, node: FlowNode) => doc && setDoc({ ...doc, nodes: { ...doc.nodes, [id]: node } });
  const all = issues ?? [];
  const nodeIds = doc ? Object.keys(doc.nodes) : [];
  const orphanIssues = all.filter(
    (i) => !nodeIds.some((id) => i.path === `nodes.${id}` || i.path.startsWith(`nodes.${id}.`)),
  );

  return (
    <div class="ivr-editor">
      <PageHeader title={`IVR flow: ${name}`}>
        <a class="button" href="#/admin/ivr">
          ‹ All flows
        </a>
        <button class={view === 'nodes' ? 'active' : ''} onClick={() => current() && setView('nodes')}>
          Nodes
        </button>
        <button
          class={view === 'json' ? 'active' : ''}
          onClick={() => {
            if (view === 'json' || !doc) return;
            setJson(JSON.stringify(doc, null, 2));
            setJsonError(null);
            setView('json');
          }}
        >
          JSON
        </button>
        <button onClick={() => void validate()} disabled={action.busy || !doc}>
          Validate
        </button>
        {canEdit ? (
          <button class="primary" onClick={() => void save()} disabled={action.busy || !doc}>
            Save version
          </button>
        ) : null}
      </PageHeader>
      <ErrorBox error={action.error} />
      {notice ? (
        <p class="ok" role="status">
          {notice}
        </p>
      ) : null}
      {issues !== null ? (
        issues.length === 0 ? (
          <p class="ok" data-testid="flow-valid">
            The flow is valid.
          </p>
        ) : (
          <div class="error" data-testid="flow-issues">
            {issues.length} problem{issues.length === 1 ? '' : 's'}; each is shown next to its node.
            {orphanIssues.length ? (
              <ul>
                {orphanIssues.map((i, n) => (
                  <li key={n}>
                    <code>{i.path}</code>: {i.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        )
      ) : null}
      <div class="two-col wide-left">
        <div>
          {!doc ? <Loading when={true} /> : null}
          {doc && view === 'json' ? (
            <div class="card">
              <textarea
                class="code json"
                rows={30}
                value={json}
                onInput={(e) => setJson(inputValue(e))}
                spellcheck={false}
              />
              {jsonError ? <p class="field-error">{jsonError}</p> : null}
            </div>
          ) : null}
          {doc && view === 'nodes' ? (
            <>
              <section class="card flow-head">
                <div class="grid">
                  <Field label="Start node" error={issuesAt(all, 'start')[0]?.message}>
                    <select value={doc.start} onChange={(e) => setDoc({ ...doc, start: inputValue(e) })}>
                      {nodeIds.map((id) => (
                        <option key={id}>{id}</option>
                      ))}
                    </select>
                  </Field>
                  <Field label="Language" error={issuesAt(all, 'language')[0]?.message}>
                    <input value={doc.language ?? 'en'} onInput={(e) => setDoc({ ...doc, language: inputValue(e) })} />
                  </Field>
                  <Field
                    label="Default queue"
                    error={issuesAt(all, 'defaultQueue')[0]?.message}
                    hint="when the flow breaks at run time"
                  >
                    <input
                      value={doc.defaultQueue ?? ''}
                      onInput={(e) => setDoc({ ...doc, defaultQueue: inputValue(e) || undefined })}
                    />
                  </Field>
                </div>
              </section>
              {nodeIds.map((id) => (
                <NodeCard
                  key={id}
                  id={id}
                  node={doc.nodes[id]!}
                  nodeIds={nodeIds}
                  isStart={doc.start === id}
                  issues={issuesAt(all, `nodes.${id}`)}
                  onChange={(n) => updateNode(id, n)}
                  onRemove={() => {
                    const nodes = { ...doc.nodes };
                    delete nodes[id];
                    setDoc({ ...doc, nodes });
                  }}
                />
              ))}
              <AddNode
                existing={nodeIds}
                onAdd={(id, type) => setDoc({ ...doc, nodes: { ...doc.nodes, [id]: newNode(type, doc.start) } })}
              />
            </>
          ) : null}
        </div>
        <section class="card versions">
          <h2>Versions</h2>
          {loadedVersion ? (
            <p class="muted">Editing from version {loadedVersion}.</p>
          ) : (
            <p class="muted">New flow: nothing saved yet.</p>
          )}
          {canEdit && live !== null ? (
            <button onClick={() => void rollback()} disabled={action.busy}>
              Roll back live version
            </button>
          ) : null}
          <ul class="version-list">
            {items.map((v) => (
              <li key={v.version} class={v.published ? 'live' : ''}>
                <strong>v{v.version}</strong> {v.published ? <span class="badge state-available">live</span> : null}
                <div class="muted small">
                  {fmtTime(v.createdAt)} {v.createdBy ? `by ${v.createdBy}` : ''}
                </div>
                <button class="link" onClick={() => void load(v.version)}>
                  open
                </button>
                {canEdit && !v.published ? (
                  <button class="link" onClick={() => void publish(v.version)}>
                    publish
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}

function AddNode({ existing, onAdd }: { existing: string[]; onAdd: (id: string, type: string) => void }) {
  const [id, setId] = useState('');
  const [type, setType] = useState('play');
  const bad = id !== '' && (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(id) || existing.includes(id));
  return (
    <section class="card add-node">
      <div class="row">
        <input placeholder="new node id" value={id} onInput={(e) => setId(inputValue(e))} />
        <select value={type} onChange={(e) => setType(inputValue(e))}>
          {NODE_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button
          disabled={!id || bad}
          onClick={() => {
            onAdd(id, type);
            setId('');
          }}
        >
          + Add node
        </button>
        {bad ? (
          <span class="field-error">
            {existing.includes(id) ? 'that id exists' : 'a letter, then letters, digits, _ or -'}
          </span>
        ) : null}
      </div>
    </section>
  );
}

function NodeCard(props: {
  id: string;
  node: FlowNode;
  nodeIds: string[];
  isStart: boolean;
  issues: FlowIssue[];
  onChange: (n: FlowNode) => void;
  onRemove: () => void;
}) {
  const { id, node, issues } = props;
  const specs = SPECS[node.type] ?? [];
  const known = new Set(['type', ...specs.map((s) => s.key)]);
  const extra = Object.keys(node).filter((k) => !known.has(k));
  const nodeLevel = issues.filter(
    (i) =>
      i.path === `nodes.${id}` ||
      i.path === `nodes.${id}.type` ||
      !specs.some((s) => i.path.startsWith(`nodes.${id}.${s.key}`)),
  );
  const fieldIssue = (key: string) =>
    issues
      .filter((i) => i.path === `nodes.${id}.${key}` || i.path.startsWith(`nodes.${id}.${key}.`))
      .map((i) =>
        i.path.length > `nodes.${id}.${key}`.length
          ? `${i.path.slice(`nodes.${id}.${key}.`.length)}: ${i.message}`
          : i.message,
      )
      .join('; ') || undefined;
  const set = (key: string, value: unknown) => {
    const next: FlowNode = { ...node };
    if (value === undefined) delete next[key];
    else next[key] = value;
    props.onChange(next);
  };
  return (
    <section class={issues.length ? 'card node invalid' : 'card node'} data-testid={`node-${id}`}>
      <div class="node-head">
        <strong>{id}</strong> <span class="badge">{node.type}</span>{' '}
        {props.isStart ? <span class="badge state-available">start</span> : null}
        <button class="link" onClick={props.onRemove}>
          remove
        </button>
      </div>
      {nodeLevel.map((i, n) => (
        <p class="field-error" key={n}>
          {i.path.slice(`nodes.${id}`.length).replace(/^\./, '') || 'node'}: {i.message}
        </p>
      ))}
      <div class="grid">
        {specs.map((s) => (
          <Field key={s.key} label={s.optional ? `${s.key} (optional)` : s.key} error={fieldIssue(s.key)} hint={s.hint}>
            <FieldInput spec={s} value={node[s.key]} nodeIds={props.nodeIds} onChange={(v) => set(s.key, v)} />
          </Field>
        ))}
      </div>
      {extra.length ? <p class="muted small">Other fields (edit in JSON): {extra.join(', ')}</p> : null}
    </section>
  );
}

function FieldInput({
  spec,
  value,
  nodeIds,
  onChange,
}: {
  spec: Spec;
  value: unknown;
  nodeIds: string[];
  onChange: (v: unknown) => void;
}) {
  switch (spec.kind) {
    case 'prompt':
      return (
        <input
          value={Array.isArray(value) ? value.join(', ') : ''}
          placeholder="sound:welcome, digits:123"
          onChange={(e) => {
            const items = inputValue(e)
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
            onChange(items.length ? items : spec.optional ? undefined : []);
          }}
        />
      );
    case 'node':
      return (
        <select value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(inputValue(e) || undefined)}>
          {spec.optional || typeof value !== 'string' ? <option value="">—</option> : null}
          {typeof value === 'string' && !nodeIds.includes(value) ? (
            <option value={value}>{value} (missing)</option>
          ) : null}
          {nodeIds.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      );
    case 'number':
      return (
        <input
          type="number"
          value={typeof value === 'number' ? value : ''}
          onInput={(e) => onChange(inputValue(e) === '' ? undefined : Number(inputValue(e)))}
        />
      );
    case 'bool':
      return (
        <input
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)}
        />
      );
    case 'keys-node':
    case 'keys-text':
      return (
        <KeyMap
          value={(value && typeof value === 'object' ? value : {}) as Record<string, string>}
          nodeIds={spec.kind === 'keys-node' ? nodeIds : null}
          onChange={onChange}
        />
      );
    default:
      return (
        <input
          value={typeof value === 'string' ? value : ''}
          onInput={(e) => onChange(inputValue(e) === '' && spec.optional ? undefined : inputValue(e))}
        />
      );
  }
}

function KeyMap({
  value,
  nodeIds,
  onChange,
}: {
  value: Record<string, string>;
  nodeIds: string[] | null;
  onChange: (v: Record<string, string>) => void;
}) {
  const entries = Object.entries(value);
  const [key, setKey] = useState('');
  return (
    <div class="keymap">
      {entries.map(([k, v]) => (
        <div class="row" key={k}>
          <span class="key">{k}</span>→
          {nodeIds ? (
            <select value={v} onChange={(e) => onChange({ ...value, [k]: inputValue(e) })}>
              {!nodeIds.includes(v) ? <option value={v}>{v} (missing)</option> : null}
              {nodeIds.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          ) : (
            <input value={v} size={6} onInput={(e) => onChange({ ...value, [k]: inputValue(e) })} />
          )}
          <button
            type="button"
            class="link"
            onClick={() => {
              const next = { ...value };
              delete next[k];
              onChange(next);
            }}
          >
            remove
          </button>
        </div>
      ))}
      <div class="row">
        <input placeholder="key" size={3} maxLength={1} value={key} onInput={(e) => setKey(inputValue(e))} />
        <button
          type="button"
          disabled={!key || key in value}
          onClick={() => {
            onChange({ ...value, [key]: nodeIds ? (nodeIds[0] ?? '') : 'en' });
            setKey('');
          }}
        >
          + key
        </button>
      </div>
    </div>
  );
}
