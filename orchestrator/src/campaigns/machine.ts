/**
 * Answering-machine detection of campaign calls: Asterisk's AMD() listens to the answered line
 * (dialplans/outbound.conf [ariadne-amd], asterisk-conf/amd.conf) while the agent still hears ringing.
 */

/** What a campaign does with its calls' answers: no detection, or hang up on a machine, or leave it a message. */
export const MACHINE_DETECTIONS = ['off', 'hang_up', 'message'] as const;
export type MachineDetection = (typeof MACHINE_DETECTIONS)[number];

/**
 * A sound name as Playback() takes it (`ariadne/campaign-message`, no language nor extension). `&` would join a
 * second file and `,` start Playback's options, so only letters, digits, `_` and `-` are taken, in folders.
 */
export const SOUND_NAME = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/** What the call flow does once the customer's line answers: screen the answer, and what to do with a machine. */
export type MachineHandling = { readonly action: 'hang_up' } | { readonly action: 'message'; readonly sound: string };

/** Where the orchestrator sends an answered customer to be screened; the channel comes back with the verdict. */
export const AMD_DIALPLAN = { context: 'ariadne-amd', extension: 's', priority: 1 } as const;
/** Where a machine is left the message: the dialplan plays ARIADNE_MACHINE_MESSAGE after the greeting and hangs up. */
export const MESSAGE_DIALPLAN = { context: 'ariadne-amd', extension: 'message', priority: 1 } as const;
/** The channel variable naming the message's sound. */
export const MESSAGE_VARIABLE = 'ARIADNE_MACHINE_MESSAGE';

/** The campaign's handling of machines; undefined when it does not screen its calls. */
export function machineHandling(campaign: {
  readonly machineDetection: MachineDetection;
  readonly machineMessage: string | null;
}): MachineHandling | undefined {
  if (campaign.machineDetection === 'off') return undefined;
  if (campaign.machineDetection === 'message' && campaign.machineMessage)
    return { action: 'message', sound: campaign.machineMessage };
  // A message setting without its sound (a row edited by hand) still keeps machines from the agents.
  return { action: 'hang_up' };
}

/**
 * A campaign call's line back from the detection in a Stasis the router did not expect it in: the orchestrator
 * that sent it there has restarted, and the call is over (recovery settles it).
 */
export function isDetectionReturn(channel: { readonly args: readonly string[] }): boolean {
  return channel.args[0] === 'amd';
}

/** AMDSTATUS as the dialplan hands it back (args[2]); NOTSURE and anything unknown go to the agent. */
export function isMachine(status: string | undefined): boolean {
  return status === 'MACHINE';
}
