// A stand-in for Asterisk's SIP-over-WebSocket (RFC 7118) for the softphone's browser test: enough of a registrar
// and a UAC to register JsSIP (with a digest challenge, so the password is checked), send it an INVITE, take its
// answer, ACK it, exchange in-dialog requests (INFO, BYE) and answer what it sends. Messages are parsed and written
// minimally but by the book: Via with branch and rport, tags, Call-ID, CSeq, Contact, Content-Length in bytes.
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SipMessage {
  /** The request's method, or undefined for a response. */
  readonly method?: string;
  readonly uri?: string;
  readonly status?: number;
  readonly reason?: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
  readonly raw: string;
}

const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
};

export function parseSip(raw: string): SipMessage {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const [start = '', ...lines] = head.split('\r\n');
  const headers: [string, string][] = [];
  for (const line of lines) {
    // A line starting with white space continues the previous header (folding).
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
  }
  const response = /^SIP\/2\.0 (\d{3}) (.*)$/.exec(start);
  if (response) return { status: Number(response[1]), reason: response[2]!, headers, body, raw };
  const request = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (!request) throw new Error(`not a SIP start line: ${start}`);
  return { method: request[1]!, uri: request[2]!, headers, body, raw };
}

/** Every value of a header (case-insensitive), in order. */
export function headerValues(m: SipMessage, name: string): string[] {
  const n = name.toLowerCase();
  return m.headers.filter(([k]) => k === n).map(([, v]) => v);
}

export function header(m: SipMessage, name: string): string | undefined {
  return headerValues(m, name)[0];
}

/** The URI inside a name-addr (`"Name" <sip:…>;tag=x`) or an addr-spec. */
export function addrUri(value: string): string {
  return /<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
}

export function tagOf(value: string): string | undefined {
  // The tag parameter after the name-addr (not one inside the URI).
  const params = value.includes('>') ? value.slice(value.indexOf('>') + 1) : value;
  return /;\s*tag=([^;\s]+)/i.exec(params)?.[1];
}

/** A Digest header's parameters (`Digest username="2006", realm="…", …`). */
export function digestParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.replace(/^Digest\s+/i, '').matchAll(/([a-z-]+)=(?:"([^"]*)"|([^,\s]+))/gi))
    out[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
  return out;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const token = (bytes = 8) => randomBytes(bytes).toString('hex');
const branch = () => `z9hG4bK${token()}`;

function format(start: string, headers: readonly (readonly [string, string])[], body = ''): string {
  const lines = [start, ...headers.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export interface Registration {
  readonly from: string;
  readonly to: string;
  /** The contact URI the UA registered (where INVITEs go). */
  readonly contact: string;
  /** The Authorization header's username (the challenge answered). */
  readonly authUsername: string;
  readonly expires: number;
}

export interface FakeSipOptions {
  /** The endpoints' passwords (username → password); a REGISTER must answer the digest challenge with it. */
  readonly passwords: Record<string, string>;
  readonly realm?: string;
}

/** What the server observed, for the test to wait on. */
interface Waiter {
  what: string;
  ok: (m: SipMessage) => boolean;
  resolve: (m: SipMessage) => void;
}

export class FakeSipServer {
  /** Every message the UAs sent, in order. */
  readonly received: SipMessage[] = [];
  /** Registrations in force (after a successful REGISTER; removed by Expires: 0). */
  readonly registrations = new Map<string, Registration & { socket: WebSocket }>();
  /** WebSocket connections accepted so far (and the subprotocol each asked for). */
  readonly connections: string[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly nonces = new Set<string>();
  private readonly realm: string;

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
    private readonly options: FakeSipOptions,
  ) {
    this.realm = options.realm ?? 'ariadne-test';
  }

  static async start(options: FakeSipOptions): Promise<FakeSipServer> {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      // RFC 7118: the subprotocol is `sip`; anything else is refused.
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const { port } = wss.address() as AddressInfo;
    const server = new FakeSipServer(wss, `ws://127.0.0.1:${port}`, options);
    wss.on('connection', (socket) => server.accept(socket));
    return server;
  }

  /** Changes an endpoint's password (undefined: REGISTERs for it are refused). */
  setPassword(username: string, password: string | undefined): void {
    const p = this.options.passwords as Record<string, string>;
    if (password === undefined) delete p[username];
    else p[username] = password;
  }

  /** Resolves with the first message (already received, or to come) that `ok` accepts after index `from`. */
  waitFor(what: string, ok: (m: SipMessage) => boolean, from = 0, timeoutMs = 15_000): Promise<SipMessage> {
    const seen = this.received.slice(from).find(ok);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { what, ok, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(new Error(`${what}: not received within ${timeoutMs} ms`));
      }, timeoutMs).unref();
    });
  }

  /**
   * Sends the UA registered as `username` an INVITE from `caller` with `sdp` as its offer; the returned call reports
   * its responses, ACKs a final one, and sends BYE.
   */
  invite(
    username: string,
    caller: { name: string; number: string },
    sdp: string,
    extraHeaders: readonly [string, string][] = [],
  ): InviteCall {
    const reg = this.registrations.get(username);
    if (!reg) throw new Error(`${username} is not registered`);
    return new InviteCall(this, reg.socket, reg, caller, sdp, extraHeaders);
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** The Via this server puts on its requests. */
  via(): string {
    return `SIP/2.0/WS ${new URL(this.url).host};branch=${branch()};rport`;
  }

  contact(): string {
    return `<sip:asterisk@${new URL(this.url).host};transport=ws>`;
  }

  private accept(socket: WebSocket): void {
    this.connections.push(socket.protocol);
    // A closed socket takes its bindings with it (Asterisk's would stop reaching the UA too).
    socket.on('close', () => {
      for (const [user, reg] of this.registrations) if (reg.socket === socket) this.registrations.delete(user);
    });
    socket.on('message', (data) => {
      const raw = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      // A CRLF keep-alive (RFC 5626) carries no message.
      if (raw.trim() === '') return;
      const msg = parseSip(raw);
      this.received.push(msg);
      for (const w of [...this.waiters]) {
        if (w.ok(msg)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(msg);
        }
      }
      if (msg.method) this.onRequest(socket, msg);
    });
  }

  private onRequest(socket: WebSocket, req: SipMessage): void {
    switch (req.method) {
      case 'REGISTER':
        return this.onRegister(socket, req);
      case 'ACK':
        return;
      // In-dialog requests the softphone sends (INFO for DTMF, BYE to hang up, OPTIONS, UPDATE): answered 200.
      default:
        socket.send(this.reply(req, 200, 'OK'));
    }
  }

  private onRegister(socket: WebSocket, req: SipMessage): void {
    const to = header(req, 'to') ?? '';
    const username = /^sips?:([^@;]+)@/.exec(addrUri(to))?.[1] ?? '';
    const auth = header(req, 'authorization');
    const password = this.options.passwords[username];
    if (!auth) {
      const nonce = token(16);
      this.nonces.add(nonce);
      socket.send(
        this.reply(req, 401, 'Unauthorized', [
          ['WWW-Authenticate', `Digest realm="${this.realm}", nonce="${nonce}", algorithm=MD5, qop="auth"`],
        ]),
      );
      return;
    }
    const d = digestParams(auth);
    const ha1 = md5(`${d.username}:${this.realm}:${password ?? ''}`);
    const ha2 = md5(`REGISTER:${d.uri}`);
    const expected = d.qop
      ? md5(`${ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`)
      : md5(`${ha1}:${d.nonce}:${ha2}`);
    if (
      password === undefined ||
      d.username !== username ||
      !this.nonces.has(d.nonce ?? '') ||
      d.response !== expected
    ) {
      socket.send(this.reply(req, 403, 'Forbidden'));
      return;
    }
    const contactHeader = header(req, 'contact') ?? '';
    const contactExpires = /;\s*expires=(\d+)/i.exec(contactHeader)?.[1];
    const expires = Number(contactExpires ?? header(req, 'expires') ?? 600);
    // Expires 0 removes this UA's binding only (a page reloaded has registered a new one already).
    if (expires === 0) {
      if (this.registrations.get(username)?.contact === addrUri(contactHeader)) this.registrations.delete(username);
    } else
      this.registrations.set(username, {
        from: addrUri(header(req, 'from') ?? ''),
        to: addrUri(to),
        contact: addrUri(contactHeader),
        authUsername: d.username!,
        expires,
        socket,
      });
    // The binding as registered, with the expiry granted (JsSIP finds its own Contact by +sip.instance/reg-id).
    const granted = contactHeader.replace(/;\s*expires=\d+/i, '') + `;expires=${expires}`;
    socket.send(
      this.reply(req, 200, 'OK', [
        ['Contact', granted],
        ['Expires', String(expires)],
      ]),
    );
  }

  /** A response to `req`: its Vias (with rport filled in), From, To (tagged), Call-ID and CSeq. */
  reply(req: SipMessage, status: number, reason: string, extra: [string, string][] = [], body = ''): string {
    const vias = headerValues(req, 'via');
    const to = header(req, 'to') ?? '';
    return format(
      `SIP/2.0 ${status} ${reason}`,
      [
        ...vias.map((v) => ['Via', v] as [string, string]),
        ['From', header(req, 'from') ?? ''],
        ['To', tagOf(to) ? to : `${to};tag=${token(4)}`],
        ['Call-ID', header(req, 'call-id') ?? ''],
        ['CSeq', header(req, 'cseq') ?? ''],
        ...extra,
      ],
      body,
    );
  }
}

/** An INVITE this server sent (a call offered to the softphone), from the caller's side. */
export class InviteCall {
  readonly callId = `${token(12)}@fake-asterisk`;
  readonly fromTag = token(4);
  private readonly branch = branch();
  private readonly from: string;
  private readonly to: string;
  private cseq = 1;
  private toTag: string | undefined;
  private remoteTarget: string;
  private readonly requestUri: string;
  /** Index into server.received before the INVITE went out. */
  private readonly start: number;

  constructor(
    private readonly server: FakeSipServer,
    private readonly socket: WebSocket,
    reg: Registration,
    caller: { name: string; number: string },
    sdp: string,
    extraHeaders: readonly [string, string][],
  ) {
    const domain = /@([^;>]+)/.exec(reg.to)?.[1] ?? 'pbx.example.com';
    this.from = `"${caller.name}" <sip:${caller.number}@${domain}>;tag=${this.fromTag}`;
    this.to = `<${reg.to}>`;
    this.remoteTarget = reg.contact;
    this.requestUri = reg.contact;
    this.start = server.received.length;
    socket.send(
      format(
        `INVITE ${reg.contact} SIP/2.0`,
        [
          ['Via', server.via().replace(/branch=[^;]+/, `branch=${this.branch}`)],
          ['Max-Forwards', '70'],
          ['From', this.from],
          ['To', this.to],
          ['Call-ID', this.callId],
          ['CSeq', '1 INVITE'],
          ['Contact', server.contact()],
          ['Allow', 'INVITE, ACK, CANCEL, BYE, INFO, OPTIONS, UPDATE'],
          ...extraHeaders,
          ['Content-Type', 'application/sdp'],
        ],
        sdp,
      ),
    );
  }

  /** Messages of this call the softphone sent so far (responses and in-dialog requests). */
  messages(): SipMessage[] {
    return this.server.received.slice(this.start).filter((m) => header(m, 'call-id') === this.callId);
  }

  /** Waits for a response to the INVITE with a status `ok` accepts. */
  response(what: string, ok: (status: number) => boolean, timeoutMs = 15_000): Promise<SipMessage> {
    return this.server.waitFor(
      what,
      (m) =>
        m.status !== undefined &&
        header(m, 'call-id') === this.callId &&
        /INVITE$/.test(header(m, 'cseq') ?? '') &&
        ok(m.status),
      this.start,
      timeoutMs,
    );
  }

  /** Waits for the final response and ACKs it (a 2xx in a new transaction to its Contact; others hop by hop). */
  async final(timeoutMs = 15_000): Promise<SipMessage> {
    const res = await this.response('the final response to the INVITE', (s) => s >= 200, timeoutMs);
    const to = header(res, 'to') ?? this.to;
    this.toTag = tagOf(to);
    const ok = res.status! < 300;
    if (ok) this.remoteTarget = addrUri(header(res, 'contact') ?? this.remoteTarget);
    // RFC 3261 17.1.1.3 (non-2xx: the INVITE's Request-URI and branch) and 13.2.2.4 (2xx: the Contact, a new one).
    this.socket.send(
      format(`ACK ${ok ? this.remoteTarget : this.requestUri} SIP/2.0`, [
        ['Via', ok ? this.server.via() : this.server.via().replace(/branch=[^;]+/, `branch=${this.branch}`)],
        ['Max-Forwards', '70'],
        ['From', this.from],
        ['To', to],
        ['Call-ID', this.callId],
        ['CSeq', '1 ACK'],
      ]),
    );
    return res;
  }

  /** Waits for an in-dialog request from the softphone (the server has answered it 200 already). */
  request(method: string, ok: (m: SipMessage) => boolean = () => true, timeoutMs = 15_000): Promise<SipMessage> {
    return this.server.waitFor(
      `${method} from the softphone`,
      (m) => m.method === method && header(m, 'call-id') === this.callId && ok(m),
      this.start,
      timeoutMs,
    );
  }

  /** Hangs up from the caller's side: BYE, resolved with the softphone's response. */
  bye(timeoutMs = 15_000): Promise<SipMessage> {
    this.cseq += 1;
    const cseq = `${this.cseq} BYE`;
    const waiting = this.server.waitFor(
      'the response to BYE',
      (m) => m.status !== undefined && header(m, 'call-id') === this.callId && header(m, 'cseq') === cseq,
      this.start,
      timeoutMs,
    );
    this.socket.send(
      format(`BYE ${this.remoteTarget} SIP/2.0`, [
        ['Via', this.server.via()],
        ['Max-Forwards', '70'],
        ['From', this.from],
        ['To', `${this.to};tag=${this.toTag ?? ''}`],
        ['Call-ID', this.callId],
        ['CSeq', cseq],
      ]),
    );
    return waiting;
  }
}
