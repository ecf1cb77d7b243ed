import { EventEmitter } from 'node:events';

/** In-process wake-up: a job enqueued here is picked up at once instead of at the next idle poll. */
const emitter = new EventEmitter();
emitter.setMaxListeners(0);

export function signalEnqueued(): void {
  emitter.emit('enqueued');
}

export function onEnqueued(listener: () => void): () => void {
  emitter.on('enqueued', listener);
  return () => emitter.off('enqueued', listener);
}
