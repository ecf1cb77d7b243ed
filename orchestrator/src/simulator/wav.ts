const RATE = 8000;

/**
 * A real WAV file for a stored recording: 8 kHz, 16-bit, mono PCM (what Asterisk writes for format `wav`;
 * trace b: a 3.02 s file). The audio is a quiet 440 Hz tone so players and transcoders see non-silent data.
 */
export function makeWav(durationMs: number): Buffer {
  const samples = Math.max(0, Math.round((durationMs / 1000) * RATE));
  const dataBytes = samples * 2;
  const buf = Buffer.allocUnsafe(44 + dataBytes); // every byte is written below
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // PCM header size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(RATE, 24);
  buf.writeUInt32LE(RATE * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  toneOf(dataBytes).copy(buf, 44, 0, dataBytes);
  return buf;
}

/** The tone's samples, made once and grown as needed: every download of a load run would compute them again. */
let tone = Buffer.alloc(0);

function toneOf(bytes: number): Buffer {
  if (tone.length >= bytes) return tone;
  const next = Buffer.alloc(Math.max(bytes, tone.length * 2));
  for (let i = 0; i < next.length / 2; i++) {
    next.writeInt16LE(Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / RATE)), i * 2);
  }
  tone = next;
  return tone;
}
