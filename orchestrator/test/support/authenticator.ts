import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A passkey device in software (ES256, "none" attestation), answering WebAuthn options as a browser and its
 * authenticator would: what the API tests sign in with. The browser tests use Chromium's virtual authenticator.
 */

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array): string => isoBase64URL.fromBuffer(new Uint8Array(data));

interface Credential {
  readonly privateKey: KeyObject;
  readonly userHandle: string;
  counter: number;
}

export interface Gesture {
  /** The origin the browser reports (default the authenticator's). */
  readonly origin?: string;
  /** Whether the device verified the user (PIN, biometrics); default yes. */
  readonly userVerified?: boolean;
}

export class SoftAuthenticator {
  readonly credentials = new Map<string, Credential>();

  constructor(
    private readonly origin: string,
    private readonly rpId: string,
  ) {}

  private authData(flags: number, counter: number, attested?: Uint8Array): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(Buffer.from(this.rpId)), Buffer.from([flags]), count, attested ?? Buffer.alloc(0)]);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create: a new key pair for the options' user. */
  create(options: PublicKeyCredentialCreationOptionsJSON, g: Gesture = {}): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, isoBase64URL.toBuffer(jwk.x!)],
        [-3, isoBase64URL.toBuffer(jwk.y!)],
      ]),
    );
    const id = randomBytes(16);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, id, cose]);
    const flags = UP | AT | (g.userVerified === false ? 0 : UV);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', this.authData(flags, 0, attested)],
      ]) as never,
    );
    const credentialId = b64url(id);
    this.credentials.set(credentialId, { privateKey, userHandle: options.user.id, counter: 0 });
    return {
      id: credentialId,
      rawId: credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge, g.origin ?? this.origin)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get: signs the challenge with `credentialId` (default the first made). */
  get(
    options: PublicKeyCredentialRequestOptionsJSON,
    g: Gesture & { credentialId?: string; counter?: number } = {},
  ): AuthenticationResponseJSON {
    const credentialId = g.credentialId ?? [...this.credentials.keys()][0]!;
    const credential = this.credentials.get(credentialId)!;
    credential.counter = g.counter ?? credential.counter + 1;
    const authenticatorData = this.authData(UP | (g.userVerified === false ? 0 : UV), credential.counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, g.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: credentialId,
      rawId: credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
