import type { CallService, TransferTarget } from '../calls/service.js';
import type { CallControls, TransferRequest } from './services.js';

/** Thrown for a transfer the call service cannot do (the API answers 400). */
class TransferRefused extends Error {
  readonly status = 400;
  readonly code = 'bad_request';
}

function targetOf(request: TransferRequest): TransferTarget {
  const queue = /^queue:(.+)$/.exec(request.target);
  return queue ? { queue: queue[1] as string } : { number: request.target };
}

/**
 * calls/ CallService → the API's CallControls. Blind transfers go to a queue or a number; attended ones consult a
 * number first (a queue cannot be consulted).
 */
export function callControlsFrom(
  service: Pick<
    CallService,
    | 'hangup'
    | 'hold'
    | 'unhold'
    | 'blindTransfer'
    | 'consult'
    | 'conference'
    | 'monitor'
    | 'stopMonitor'
    | 'completeTransfer'
    | 'cancelTransfer'
    | 'pauseRecording'
    | 'resumeRecording'
    | 'setDisposition'
    | 'placeCall'
  >,
): CallControls {
  return {
    hangup: (id) => service.hangup(id),
    hold: (id) => service.hold(id),
    unhold: (id) => service.unhold(id),
    transfer: async (id, request) => {
      const target = targetOf(request);
      if (request.mode === 'blind') return service.blindTransfer(id, target);
      if ('queue' in target)
        throw new TransferRefused('an attended transfer consults a person: give a number or an endpoint, not a queue');
      return service.consult(id, target);
    },
    conference: (id) => service.conference(id),
    completeTransfer: (id) => service.completeTransfer(id),
    monitor: (id, r) => service.monitor(id, r.supervisor, r.mode, r.endpoint),
    stopMonitor: async (id, userId) => service.stopMonitor(id, userId),
    cancelTransfer: (id) => service.cancelTransfer(id),
    pauseRecording: (id) => service.pauseRecording(id),
    resumeRecording: (id) => service.resumeRecording(id),
    setDisposition: (id, disposition) => service.setDisposition(id, disposition),
    place: (request) => service.placeCall(request),
  };
}
