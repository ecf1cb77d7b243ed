// The one WebSocket to /api/ws: reconnects with backoff and hands typed messages to subscribers.
import { useEffect, useState } from 'preact/hooks';
import type { ServerMessage } from './types.js';

type Listener = (m: ServerMessage) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
export type LiveStatus = 'connecting' | 'open' | 'closed';

let socket: WebSocket | null = null;
let wanted = false;
let retryMs = 500;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let status: LiveStatus = 'closed';

function setStatus(s: LiveStatus): void {
  status = s;
  for (const l of statusListeners) l(s);
}

function open(): void {
  if (!wanted || socket) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
  setStatus('connecting');
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    retryMs = 500;
    setStatus('open');
  };
  ws.onmessage = (ev) => {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(ev.data)) as ServerMessage;
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    for (const l of listeners) l(msg);
  };
  ws.onclose = () => {
    socket = null;
    setStatus('closed');
    if (!wanted) return;
    retryTimer = setTimeout(open, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };
}

/** Opens the socket (after sign-in) or closes it for good (sign-out). */
export function setLive(on: boolean): void {
  wanted = on;
  if (on) open();
  else {
    clearTimeout(retryTimer);
    socket?.close();
    socket = null;
  }
}

export function sendLive(msg: { type: string }): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
}

/** Subscribes a component to server messages for its lifetime. */
export function useLive(handler: Listener, deps: unknown[] = []): void {
  useEffect(() => {
    listeners.add(handler);
    return () => void listeners.delete(handler);
  }, deps);
}

export function useLiveStatus(): LiveStatus {
  const [s, setS] = useState<LiveStatus>(status);
  useEffect(() => {
    statusListeners.add(setS);
    setS(status);
    return () => void statusListeners.delete(setS);
  }, []);
  return s;
}
