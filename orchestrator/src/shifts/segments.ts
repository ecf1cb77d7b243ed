import type { ActivityKind } from './plan.js';
import type { Shift } from './repository.js';

/** What the schedule expects of an agent at a moment: to be on the phones, or one of a shift's activities. */
export type Expected = 'phone' | ActivityKind;

/** A stretch of one shift with one expectation, in epoch milliseconds. */
export interface Segment {
  readonly shiftId: number;
  readonly from: number;
  readonly to: number;
  readonly expected: Expected;
}

/** The shift cut into its stretches on the phones and its activities, in time order. */
export function segmentsOf(shift: Shift): Segment[] {
  const out: Segment[] = [];
  let at = Date.parse(shift.start);
  const push = (to: number, expected: Expected): void => {
    if (to > at) out.push({ shiftId: shift.id, from: at, to, expected });
    at = Math.max(at, to);
  };
  for (const a of shift.activities) {
    push(Date.parse(a.start), 'phone');
    push(Date.parse(a.end), a.kind);
  }
  push(Date.parse(shift.end), 'phone');
  return out;
}
