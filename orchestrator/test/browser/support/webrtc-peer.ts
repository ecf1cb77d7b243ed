// The far end of a softphone call in the browser tests: an RTCPeerConnection in a page of its own (Chromium's fake
// microphone, --use-fake-device-for-media-stream), whose offer the fake SIP server puts in its INVITE and which takes
// the softphone's answer. It stands where Asterisk's WebRTC side would: ICE and DTLS-SRTP over the host's address.
// The code that runs in the page is a string: the tests' tsconfig has no DOM types (as in the other browser tests).
import type { Page } from 'playwright-core';

/** What a connection reports: its state, the audio RTP it received and sent, and its remote track. */
export interface PeerStats {
  connectionState: string;
  packetsReceived: number;
  packetsSent: number;
  remoteTrack: { readyState: string; muted: boolean } | null;
}

/** Sums a connection's audio inbound-rtp and outbound-rtp packets (a page-side function, as source text). */
const RTP_COUNTS = `async (pc) => {
  let packetsReceived = 0;
  let packetsSent = 0;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') packetsReceived += s.packetsReceived ?? 0;
    if (s.type === 'outbound-rtp' && s.kind === 'audio') packetsSent += s.packetsSent ?? 0;
  });
  return { packetsReceived, packetsSent };
}`;

/**
 * A new peer named `name` in `page` (a page of the app's origin: getUserMedia needs a secure context), sending the
 * fake microphone: its offer once ICE gathering is complete (the candidates in the SDP, as Asterisk sends it).
 */
export async function createOffer(page: Page, name: string): Promise<string> {
  return (await page.evaluate(`(async (peer) => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    const pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.addEventListener('track', (e) => ((window.__tracks ??= {})[peer] = e.track));
    (window.__peers ??= {})[peer] = pc;
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return pc.localDescription.sdp;
  })(${JSON.stringify(name)})`)) as string;
}

/** Gives peer `name` the softphone's answer (the 200 OK's SDP). */
export async function acceptAnswer(page: Page, name: string, sdp: string): Promise<void> {
  await page.evaluate(
    `window.__peers[${JSON.stringify(name)}].setRemoteDescription({ type: 'answer', sdp: ${JSON.stringify(sdp)} })`,
  );
}

export async function peerStats(page: Page, name: string): Promise<PeerStats> {
  return (await page.evaluate(`(async (peer) => {
    const pc = window.__peers[peer];
    const t = window.__tracks?.[peer];
    return {
      connectionState: pc.connectionState,
      ...(await (${RTP_COUNTS})(pc)),
      remoteTrack: t ? { readyState: t.readyState, muted: t.muted } : null,
    };
  })(${JSON.stringify(name)})`)) as PeerStats;
}

export async function closePeer(page: Page, name: string): Promise<void> {
  await page.evaluate(`window.__peers?.[${JSON.stringify(name)}]?.close()`);
}

/**
 * Records every RTCPeerConnection a page creates (JsSIP's included) in `window.__pcs`, so a test can read the
 * softphone's microphone track and statistics. Call before the page loads its scripts.
 */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(`(() => {
    const Native = window.RTCPeerConnection;
    const all = (window.__pcs = []);
    window.RTCPeerConnection = class extends Native {
      constructor(...args) {
        super(...args);
        all.push(this);
      }
    };
  })()`);
}

/** The softphone's newest peer connection: state, RTP counts, and whether its microphone track is enabled. */
export async function softphonePeer(
  page: Page,
): Promise<{ connectionState: string; packetsReceived: number; packetsSent: number; micEnabled: boolean | null }> {
  return (await page.evaluate(`(async () => {
    const pc = window.__pcs[window.__pcs.length - 1];
    if (!pc) return { connectionState: 'none', packetsReceived: 0, packetsSent: 0, micEnabled: null };
    const sender = pc.getSenders().find((s) => s.track?.kind === 'audio');
    return {
      connectionState: pc.connectionState,
      ...(await (${RTP_COUNTS})(pc)),
      micEnabled: sender?.track?.enabled ?? null,
    };
  })()`)) as { connectionState: string; packetsReceived: number; packetsSent: number; micEnabled: boolean | null };
}

/** The softphone's <audio>: its remote audio track's state (null: no stream attached). */
export async function softphoneAudio(page: Page): Promise<{ readyState: string; autoplay: boolean } | null> {
  return (await page.evaluate(`(() => {
    const audio = document.querySelector('[data-testid=softphone-audio]');
    const track = audio?.srcObject?.getAudioTracks?.()[0];
    return track ? { readyState: track.readyState, autoplay: audio.autoplay } : null;
  })()`)) as { readyState: string; autoplay: boolean } | null;
}
