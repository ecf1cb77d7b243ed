import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { toDate } from '../db/time.js';

type Conn = Knex | Knex.Transaction;

/** recording → stored (Asterisk finished the file) → uploaded → deleted; or missing / failed. */
export type RecordingState = 'recording' | 'stored' | 'uploaded' | 'failed' | 'missing' | 'deleted';

export interface Recording {
  readonly id: string;
  readonly callId: string | null;
  readonly name: string;
  readonly node: string | null;
  readonly queueId: number | null;
  readonly agentId: number | null;
  readonly state: RecordingState;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  readonly durationS: number | null;
  readonly format: string;
  /** Plaintext (audio file) size. */
  readonly bytes: number | null;
  /** SHA-256 of the plaintext audio file, hex. */
  readonly sha256: string | null;
  readonly storageKey: string | null;
  readonly storageTarget: string | null;
  readonly keyId: string | null;
  readonly encryption: string | null;
  readonly retainUntil: Date | null;
  readonly uploadedAt: Date | null;
  readonly deletedAt: Date | null;
  readonly error: string | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function rowToRecording(r: Record<string, unknown>): Recording {
  return {
    id: String(r.id),
    callId: (r.call_id as string | null) ?? null,
    name: String(r.name),
    node: (r.node as string | null) ?? null,
    queueId: num(r.queue_id),
    agentId: num(r.agent_id),
    state: String(r.state) as RecordingState,
    startedAt: toDate(r.started_at) ?? new Date(0),
    endedAt: toDate(r.ended_at),
    durationS: num(r.duration_s),
    format: String(r.format ?? 'wav'),
    bytes: num(r.bytes),
    sha256: (r.sha256 as string | null) ?? null,
    storageKey: (r.storage_key as string | null) ?? null,
    storageTarget: (r.storage_target as string | null) ?? null,
    keyId: (r.key_id as string | null) ?? null,
    encryption: (r.encryption as string | null) ?? null,
    retainUntil: toDate(r.retain_until),
    uploadedAt: toDate(r.uploaded_at),
    deletedAt: toDate(r.deleted_at),
    error: (r.error as string | null) ?? null,
  };
}

export async function getRecording(conn: Conn, id: string): Promise<Recording | null> {
  const row = (await conn('recordings').where('id', id).first()) as Record<string, unknown> | undefined;
  return row ? rowToRecording(row) : null;
}

export interface NewRecording {
  readonly id?: string;
  readonly callId?: string | null;
  /** The Asterisk recording name (by convention the call id). */
  readonly name: string;
  readonly node?: string | null;
  readonly queueId?: number | null;
  readonly agentId?: number | null;
  readonly startedAt?: Date;
  readonly format?: 'wav' | 'gsm' | 'ulaw' | 'sln16';
}

/** The row the call flow writes when it starts recording (state 'recording'). */
export async function insertRecording(conn: Conn, r: NewRecording): Promise<string> {
  const id = r.id ?? randomUUID();
  await conn('recordings').insert({
    id,
    call_id: r.callId ?? null,
    name: r.name,
    node: r.node ?? null,
    queue_id: r.queueId ?? null,
    agent_id: r.agentId ?? null,
    state: 'recording',
    started_at: r.startedAt ?? new Date(),
    format: r.format ?? 'wav',
  });
  return id;
}

/** `recordings/YYYY/MM/DD/<callId>/<recordingId>.<format>.enc`, by the UTC start day: the same on every retry. */
export function storageKeyFor(r: Pick<Recording, 'id' | 'callId' | 'startedAt' | 'format'>): string {
  const d = r.startedAt;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `recordings/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${safe(r.callId ?? 'no-call')}/${safe(r.id)}.${safe(r.format)}.enc`;
}
