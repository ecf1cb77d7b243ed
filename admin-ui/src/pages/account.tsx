// The signed-in user's own account: two-factor sign-in, passkeys and the password.
import { startRegistration, type RegistrationResponseJSON } from '@simplewebauthn/browser';
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Passkey, TwoFactorSetup, TwoFactorStatus, User } from '../api/types.js';
import { closedPrompt, passkeysUnavailable, promptError } from '../components/passkeys.js';
import {
  ErrorBox,
  Field,
  fieldErrorsOf,
  inputValue,
  Loading,
  PageHeader,
  useAction,
  useLoad,
  type Loaded,
} from '../components/ui.js';
import { fmtTime } from '../format.js';

/** Recovery codes are shown once: the user copies them before leaving. */
/** The signed-in user's password asked again before a change to how they sign in. */
function YourPassword(props: { value: string; error?: string; onInput: (value: string) => void }) {
  return (
    <Field label="Your password" error={props.error}>
      <input
        type="password"
        name="password"
        autocomplete="current-password"
        value={props.value}
        onInput={(e) => props.onInput(inputValue(e))}
        required
      />
    </Field>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: readonly string[]; onDone: () => void }) {
  return (
    <div class="recovery-codes" data-testid="recovery-codes">
      <p>
        Keep these recovery codes somewhere safe. Each signs in once in place of a code from your app, if you lose your
        phone. They are not shown again.
      </p>
      <ol>
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <div class="row">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(codes.join('\n'))}>
          Copy
        </button>
        <button type="button" class="primary" onClick={onDone}>
          I have saved them
        </button>
      </div>
    </div>
  );
}

/** Password → QR code → a code from the app → recovery codes. */
function SetUp({ onEnabled }: { onEnabled: (codes: string[]) => void }) {
  const [password, setPassword] = useState('');
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [code, setCode] = useState('');
  const action = useAction();
  const errs = fieldErrorsOf(action.error);

  const start = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() => api.auth.twoFactor.setup(password));
    if (r) {
      setSetup(r);
      setPassword('');
    }
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() => api.auth.twoFactor.enable(code.trim()));
    if (r) onEnabled(r.recoveryCodes);
  };

  if (!setup)
    return (
      <form onSubmit={start} data-testid="two-factor-start">
        <YourPassword value={password} error={errs.password} onInput={setPassword} />
        <ErrorBox error={errs.password ? null : action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Set up two-factor sign-in
        </button>
      </form>
    );
  return (
    <form onSubmit={confirm} data-testid="two-factor-confirm">
      <p>
        Scan this code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, Aegis…).
      </p>
      <img
        class="qr"
        alt="QR code of your two-factor secret"
        src={`data:image/svg+xml;utf8,${encodeURIComponent(setup.qrSvg)}`}
        width={200}
        height={200}
      />
      <p class="muted">
        Cannot scan? Type this key:{' '}
        <code data-testid="two-factor-secret">{setup.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
      </p>
      <Field label="Code from the app" error={errs.code}>
        <input
          name="code"
          autocomplete="one-time-code"
          inputMode="numeric"
          value={code}
          onInput={(e) => setCode(inputValue(e))}
          required
        />
      </Field>
      <ErrorBox error={errs.code ? null : action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        Turn on
      </button>
    </form>
  );
}

function TwoFactorCard({
  status,
  passkeys,
  onEnabled,
}: {
  status: Loaded<TwoFactorStatus>;
  /** How many passkeys the user has: each is a second factor too. */
  passkeys: number;
  onEnabled: () => void;
}) {
  const [codes, setCodes] = useState<string[] | null>(null);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const action = useAction();
  const s = status.data;

  const newCodes = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() => api.auth.twoFactor.recoveryCodes(code.trim()));
    if (r) {
      setCode('');
      setCodes(r.recoveryCodes);
    }
  };
  const turnOff = async (e: Event) => {
    e.preventDefault();
    if (!confirm('Turn two-factor sign-in off? Your password alone will sign you in.')) return;
    const r = await action.run(async () => {
      await api.auth.twoFactor.disable(password);
      return true;
    });
    if (r) {
      setPassword('');
      status.reload();
    }
  };

  return (
    <section class="card" data-testid="two-factor-card">
      <h2>Two-factor sign-in</h2>
      <Loading when={status.loading && !s} />
      <ErrorBox error={status.error} />
      {codes ? (
        <RecoveryCodes
          codes={codes}
          onDone={() => {
            setCodes(null);
            status.reload();
            onEnabled();
          }}
        />
      ) : s && !s.enabled ? (
        <>
          <p data-testid="two-factor-state">
            {s.required
              ? passkeys > 0
                ? 'Your role signs in with a second factor: your passkey is one. You may add an authenticator app as well.'
                : 'Your role signs in with a code from an authenticator app as well as the password, or with a passkey (below). Set one up to go on.'
              : 'Off. With it on, signing in also asks for a code from an authenticator app on your phone.'}
          </p>
          <SetUp onEnabled={setCodes} />
        </>
      ) : s ? (
        <>
          <p data-testid="two-factor-state">
            On. {s.recoveryCodesLeft} recovery code{s.recoveryCodesLeft === 1 ? '' : 's'} left.
          </p>
          <form class="row" onSubmit={newCodes}>
            <input
              name="code"
              placeholder="Code from the app"
              autocomplete="one-time-code"
              value={code}
              onInput={(e) => setCode(inputValue(e))}
              required
            />
            <button type="submit" disabled={action.busy}>
              New recovery codes
            </button>
          </form>
          {s.required ? (
            <p class="muted">Your role requires it: it cannot be turned off.</p>
          ) : (
            <form class="row" onSubmit={turnOff}>
              <input
                type="password"
                name="password"
                placeholder="Your password"
                autocomplete="current-password"
                value={password}
                onInput={(e) => setPassword(inputValue(e))}
                required
              />
              <button type="submit" class="danger" disabled={action.busy}>
                Turn off
              </button>
            </form>
          )}
          <ErrorBox error={action.error} />
        </>
      ) : null}
    </section>
  );
}

/** The user's passkeys: the list (Remove), and Add a passkey (a name, the password, then the browser's prompt). */
function PasskeysCard({
  list,
  twoFactor,
  setupRequired,
  onAdded,
}: {
  list: Loaded<{ items: Passkey[] }>;
  twoFactor: TwoFactorStatus | undefined;
  /** A session that may open nothing else until a second factor is set up: a passkey is one. */
  setupRequired: boolean;
  onAdded: () => void;
}) {
  const items = list.data?.items ?? [];
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const unavailable = passkeysUnavailable();

  const start = () => {
    action.clear();
    setNotice(null);
    setAdded(null);
    setAdding(true);
  };
  const cancel = () => {
    action.clear();
    setNotice(null);
    setAdding(false);
    setPassword('');
  };
  const add = async (e: Event) => {
    e.preventDefault();
    setNotice(null);
    const r = await action.run(async () => {
      const optionsJSON = await api.auth.passkeys.options(password);
      let credential: RegistrationResponseJSON;
      try {
        credential = await startRegistration({ optionsJSON });
      } catch (err) {
        const calm = closedPrompt(err, 'add');
        if (calm) {
          setNotice(calm);
          return undefined;
        }
        throw promptError(err);
      }
      return api.auth.passkeys.add(name.trim(), credential);
    });
    if (r) {
      setAdding(false);
      setName('');
      setPassword('');
      setAdded(r.name);
      list.reload();
      onAdded();
    }
  };
  const remove = async (p: Passkey) => {
    const onlyFactor = items.length === 1 && twoFactor?.required && !twoFactor.enabled;
    const warning = onlyFactor
      ? ' It is your only second factor: your next sign-in will ask you to set one up again.'
      : '';
    if (!confirm(`Remove the passkey "${p.name}"? It will no longer sign you in.${warning}`)) return;
    setNotice(null);
    setAdded(null);
    const done = await action.run(async () => {
      await api.auth.passkeys.remove(p.id);
      return true;
    });
    if (done) list.reload();
  };

  return (
    <section class="card" data-testid="passkeys-card">
      <h2>Passkeys</h2>
      <p class="muted">
        {setupRequired
          ? 'Or add a passkey instead of an authenticator app: a security key or this device signs you in with a touch or its unlock (fingerprint, face, PIN), with no password or code.'
          : 'A passkey signs you in with a touch of a security key or by unlocking this device (fingerprint, face, PIN), with no password or code.'}
      </p>
      <Loading when={list.loading && !list.data} />
      <ErrorBox error={list.error} />
      {items.length ? (
        <table class="list compact passkeys" data-testid="passkeys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Added</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{fmtTime(p.createdAt)}</td>
                <td>{p.lastUsedAt ? fmtTime(p.lastUsedAt) : 'never'}</td>
                <td class="actions">
                  <button type="button" class="danger" disabled={action.busy} onClick={() => void remove(p)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : list.data ? (
        <p data-testid="passkeys-none">None yet.</p>
      ) : null}
      {added ? (
        <p class="ok" role="status">
          Passkey "{added}" added: it signs you in from now on.
        </p>
      ) : null}
      {unavailable ? (
        <p class="muted" data-testid="passkeys-unavailable">
          {unavailable}
        </p>
      ) : adding ? (
        <form onSubmit={add} data-testid="passkey-add">
          <Field label="Name" error={errs.name} hint={'Which key or device it is: "YubiKey", "work laptop".'}>
            <input
              name="passkeyName"
              value={name}
              maxLength={64}
              onInput={(e) => setName(inputValue(e))}
              required
              autofocus
            />
          </Field>
          <YourPassword value={password} error={errs.password} onInput={setPassword} />
          <ErrorBox error={errs.name || errs.password ? null : action.error} />
          {notice ? (
            <p class="muted" role="status" data-testid="passkey-notice">
              {notice}
            </p>
          ) : null}
          <div class="row">
            <button type="submit" class="primary" disabled={action.busy}>
              {action.busy ? 'Waiting for your passkey…' : 'Add'}
            </button>
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <ErrorBox error={action.error} />
          <button
            type="button"
            class={setupRequired ? 'primary' : undefined}
            data-testid="passkey-add-start"
            onClick={start}
          >
            Add a passkey
          </button>
        </>
      )}
    </section>
  );
}

function PasswordCard() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(false);
    const r = await action.run(async () => {
      await api.auth.changePassword(current, next);
      return true;
    });
    if (r) {
      setCurrent('');
      setNext('');
      setDone(true);
    }
  };
  return (
    <section class="card" data-testid="password-card">
      <h2>Password</h2>
      <form onSubmit={submit}>
        <Field label="Current password" error={errs.currentPassword}>
          <input
            type="password"
            name="currentPassword"
            autocomplete="current-password"
            value={current}
            onInput={(e) => setCurrent(inputValue(e))}
            required
          />
        </Field>
        <Field label="New password" error={errs.newPassword} hint="At least 8 characters. Your other sessions end.">
          <input
            type="password"
            name="newPassword"
            autocomplete="new-password"
            value={next}
            onInput={(e) => setNext(inputValue(e))}
            required
          />
        </Field>
        <ErrorBox error={errs.currentPassword || errs.newPassword ? null : action.error} />
        {done ? <p class="ok">Password changed.</p> : null}
        <button type="submit" class="primary" disabled={action.busy}>
          Change password
        </button>
      </form>
    </section>
  );
}

export function AccountPage({ user, onChanged }: { user: User; onChanged: () => void }) {
  const twoFactor = useLoad(() => api.auth.twoFactor.status(), []);
  const passkeys = useLoad(() => api.auth.passkeys.list(), []);
  return (
    <div class="short-list-page">
      <PageHeader title="Your account" />
      <p class="muted">
        Signed in as <strong>{user.username}</strong> ({user.role}).
      </p>
      {user.twoFactorSetupRequired ? (
        <p class="error" role="alert" data-testid="two-factor-required">
          Set up two-factor sign-in (an authenticator app or a passkey) to open the rest of Ariadne.
        </p>
      ) : null}
      <TwoFactorCard status={twoFactor} passkeys={passkeys.data?.items.length ?? 0} onEnabled={onChanged} />
      <PasskeysCard
        list={passkeys}
        twoFactor={twoFactor.data}
        setupRequired={!!user.twoFactorSetupRequired}
        // A passkey lifts a session that had to set up a second factor: read the user again to open the app.
        onAdded={() => {
          twoFactor.reload();
          if (user.twoFactorSetupRequired) onChanged();
        }}
      />
      <PasswordCard />
    </div>
  );
}
