// A ringtone generated with WebAudio (no sound file to ship): two short 440/480 Hz bursts every three seconds, the
// North American ring cadence, quietly. Browsers may keep an AudioContext suspended until the page has had a user
// gesture; the agent has clicked in the workspace by then, and the card shows the ringing anyway.

const BURST_S = 0.4;
const GAP_S = 0.2;
const PERIOD_MS = 3_000;
const VOLUME = 0.08;

let context: AudioContext | null = null;

/** Starts ringing; returns the function that stops it. */
export function startRinging(): () => void {
  try {
    context ??= new AudioContext();
  } catch {
    return () => undefined;
  }
  const ctx = context;
  void ctx.resume().catch(() => undefined);
  const nodes: OscillatorNode[] = [];
  const ring = () => {
    const gain = ctx.createGain();
    gain.gain.value = VOLUME;
    gain.connect(ctx.destination);
    for (const [i, start] of [0, BURST_S + GAP_S].entries()) {
      for (const hz of [440, 480]) {
        const osc = ctx.createOscillator();
        osc.frequency.value = hz;
        osc.connect(gain);
        const at = ctx.currentTime + start;
        osc.start(at);
        osc.stop(at + BURST_S);
        osc.onended = () => {
          const k = nodes.indexOf(osc);
          if (k >= 0) nodes.splice(k, 1);
          if (i === 1) gain.disconnect();
        };
        nodes.push(osc);
      }
    }
  };
  ring();
  const timer = setInterval(ring, PERIOD_MS);
  return () => {
    clearInterval(timer);
    for (const osc of nodes.splice(0)) {
      try {
        osc.stop();
      } catch {
        // already stopped
      }
    }
  };
}
