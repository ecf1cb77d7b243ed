import { z } from 'zod';

/**
 * The IVR flow document: a graph of named nodes, stored as JSON in ivr_flow_versions.document.
 * Validation has two layers: the zod shape (each node's fields), then graph integrity (every target exists, the
 * start exists, every node is reachable, no cycle that passes only through nodes that wait for no input).
 */

const nodeId = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a node id: a letter, then letters, digits, _ or -');
const variable = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a variable: lower-case letters, digits and _');
/** One playable item, as the switch understands it. */
export const media = z
  .string()
  .regex(/^(sound|digits|number|recording|tone|characters):[^\s]{1,200}$/, 'media such as sound:welcome or digits:123');
const prompt = z.array(media).min(1, 'at least one media item');
const dtmfKey = z.string().regex(/^[0-9*#]$/, 'a single DTMF key 0-9, * or #');
const timeoutMs = z.number().int().min(500).max(60_000);
const retries = z.number().int().min(0).max(5);
const skill = z.object({ skill: z.string().min(1).max(64), minLevel: z.number().int().min(1).max(10) }).strict();

const playNode = z.object({ type: z.literal('play'), prompt, next: nodeId }).strict();

const menuNode = z
  .object({
    type: z.literal('menu'),
    prompt,
    choices: z.record(dtmfKey, nodeId).refine((c) => Object.keys(c).length > 0, 'at least one choice'),
    /** Speech: recognised intent name → node. DTMF keeps working alongside. */
    intents: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), nodeId).optional(),
    /** The chosen key (or intent) is stored under this variable for routing (default "menu"). */
    variable: variable.optional(),
    timeoutMs: timeoutMs.default(5000),
    retries: retries.default(2),
    invalidPrompt: prompt.optional(),
    noInputPrompt: prompt.optional(),
    /** Where to go when the retries are used up. */
    onFailure: nodeId,
  })
  .strict();

const collectNode = z
  .object({
    type: z.literal('collect'),
    prompt,
    variable,
    minDigits: z.number().int().min(1).max(32).default(1),
    maxDigits: z.number().int().min(1).max(32),
    terminator: dtmfKey.optional(),
    timeoutMs: timeoutMs.default(6000),
    interDigitTimeoutMs: timeoutMs.default(3000),
    /** A regular expression the digits must match in full. */
    pattern: z
      .string()
      .max(200)
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    retries: retries.default(2),
    invalidPrompt: prompt.optional(),
    next: nodeId,
    onFailure: nodeId,
  })
  .strict()
  .refine((n) => n.minDigits <= n.maxDigits, { message: 'minDigits must not exceed maxDigits', path: ['minDigits'] });

const lookupNode = z
  .object({
    type: z.literal('lookup'),
    kind: z.literal('order_status'),
    /** Variable holding the order number (from a collect node). */
    input: variable,
    /** Read the status back to the caller (digits of the order number, then the status prompt). */
    readBack: z.boolean().default(true),
    found: nodeId,
    notFound: nodeId,
  })
  .strict();

const setNode = z.object({ type: z.literal('set'), variable, value: z.string().max(128), next: nodeId }).strict();

const hoursNode = z
  .object({
    type: z.literal('hours'),
    /** business_hours.name */
    businessHours: z.string().min(1).max(64),
    open: nodeId,
    closed: nodeId,
    /** Optional separate branch for holidays (else closed). */
    holiday: nodeId.optional(),
  })
  .strict();

const languageNode = z
  .object({
    type: z.literal('language'),
    prompt,
    choices: z.record(dtmfKey, z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'a language code such as en or zh')),
    timeoutMs: timeoutMs.default(5000),
    next: nodeId,
  })
  .strict();

const queueNode = z
  .object({
    type: z.literal('queue'),
    /** A named queue; without it the router decides from the call's attributes. */
    queue: z.string().min(1).max(64).optional(),
    priority: z.number().int().min(0).max(100).optional(),
    skills: z.array(skill).optional(),
    prompt: prompt.optional(),
  })
  .strict();

const transferNode = z
  .object({
    type: z.literal('transfer'),
    number: z.string().regex(/^(\+?[0-9]{2,20}|[A-Za-z]+\/[^\s]{1,80})$/, 'a phone number or a dial string'),
    prompt: prompt.optional(),
  })
  .strict();

const voicemailNode = z
  .object({
    type: z.literal('voicemail'),
    prompt: prompt.optional(),
    queue: z.string().min(1).max(64).optional(),
    maxSeconds: z.number().int().min(5).max(600).default(120),
  })
  .strict();

const hangupNode = z.object({ type: z.literal('hangup'), prompt: prompt.optional() }).strict();

export const flowNodeSchema = z.discriminatedUnion('type', [
  playNode,
  menuNode,
  collectNode,
  lookupNode,
  setNode,
  hoursNode,
  languageNode,
  queueNode,
  transferNode,
  voicemailNode,
  hangupNode,
]);

export const flowSchema = z
  .object({
    /** Format version of the document itself. */
    format: z.literal(1).default(1),
    start: nodeId,
    language: z
      .string()
      .regex(/^[a-z]{2}(-[A-Za-z]{2})?$/)
      .default('en'),
    /** Queue name used when the flow breaks at run time (else the router's default rule). */
    defaultQueue: z.string().min(1).max(64).optional(),
    nodes: z.record(nodeId, flowNodeSchema).refine((n) => Object.keys(n).length > 0, 'at least one node'),
  })
  .strict();

export type FlowDocument = z.infer<typeof flowSchema>;
/** A document as written by hand (defaults may be left out). */
export type FlowDocumentInput = z.input<typeof flowSchema>;
export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowNodeType = FlowNode['type'];

export interface FlowIssue {
  /** Where, e.g. "nodes.menu.choices.1". */
  readonly path: string;
  readonly message: string;
}

export type FlowValidation =
  { readonly ok: true; readonly flow: FlowDocument } | { readonly ok: false; readonly issues: readonly FlowIssue[] };

/** The nodes a node can continue to, with the field naming each edge. */
export function edgesOf(node: FlowNode): Array<{ field: string; target: string }> {
  switch (node.type) {
    case 'play':
    case 'set':
    case 'language':
      return [{ field: 'next', target: node.next }];
    case 'menu':
      return [
        ...Object.entries(node.choices).map(([k, target]) => ({ field: `choices.${k}`, target })),
        ...Object.entries(node.intents ?? {}).map(([k, target]) => ({ field: `intents.${k}`, target })),
        { field: 'onFailure', target: node.onFailure },
      ];
    case 'collect':
      return [
        { field: 'next', target: node.next },
        { field: 'onFailure', target: node.onFailure },
      ];
    case 'lookup':
      return [
        { field: 'found', target: node.found },
        { field: 'notFound', target: node.notFound },
      ];
    case 'hours':
      return [
        { field: 'open', target: node.open },
        { field: 'closed', target: node.closed },
        ...(node.holiday ? [{ field: 'holiday', target: node.holiday }] : []),
      ];
    default:
      return [];
  }
}

/** Nodes that wait for the caller: a cycle through one of them is a retry loop, not a hang. */
const INPUT_TYPES: ReadonlySet<FlowNodeType> = new Set(['menu', 'collect', 'language']);

export function checkGraph(flow: FlowDocument): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const nodes = flow.nodes;
  if (!Object.hasOwn(nodes, flow.start))
    issues.push({ path: 'start', message: `start node "${flow.start}" does not exist` });
  for (const [id, node] of Object.entries(nodes)) {
    for (const { field, target } of edgesOf(node)) {
      if (!Object.hasOwn(nodes, target))
        issues.push({ path: `nodes.${id}.${field}`, message: `target node "${target}" does not exist` });
    }
  }
  if (issues.length > 0) return issues;

  const reached = new Set<string>([flow.start]);
  const stack = [flow.start];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    for (const { target } of edgesOf(nodes[id] as FlowNode)) {
      if (!reached.has(target)) {
        reached.add(target);
        stack.push(target);
      }
    }
  }
  for (const id of Object.keys(nodes)) {
    if (!reached.has(id))
      issues.push({ path: `nodes.${id}`, message: `node "${id}" is unreachable from start "${flow.start}"` });
  }

  // A cycle made only of nodes that never wait for input would spin forever: find one by DFS colouring.
  const colour = new Map<string, 1 | 2>();
  const reported = new Set<string>();
  const visit = (id: string, trail: string[]): void => {
    colour.set(id, 1);
    const node = nodes[id] as FlowNode;
    if (!INPUT_TYPES.has(node.type)) {
      for (const { target } of edgesOf(node)) {
        const targetNode = nodes[target] as FlowNode;
        if (INPUT_TYPES.has(targetNode.type)) continue;
        const c = colour.get(target);
        if (c === 1) {
          const from = trail.indexOf(target);
          const loop = from >= 0 ? [...trail.slice(from), id, target] : [id, target];
          const key = [...new Set(loop)].sort().join(',');
          if (!reported.has(key)) {
            reported.add(key);
            issues.push({ path: `nodes.${id}`, message: `loop without caller input: ${loop.join(' -> ')}` });
          }
        } else if (c === undefined) visit(target, [...trail, id]);
      }
    }
    colour.set(id, 2);
  };
  for (const id of Object.keys(nodes)) if (!colour.has(id)) visit(id, []);
  return issues;
}

/** Validates a document: shape first, then the graph. Never throws. */
export function validateFlow(doc: unknown): FlowValidation {
  const parsed = flowSchema.safeParse(doc);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(document)',
        message: i.message,
      })),
    };
  }
  const issues = checkGraph(parsed.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, flow: parsed.data };
}
