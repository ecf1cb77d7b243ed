// The signed-in user's own account: two-factor sign-in and the password.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { TwoFactorSetup, User } from '../api/types.js';
import {
  ErrorBox,
  Field,
  fieldErrorsOf,
  inputValue,
  Loading,
  PageHeader,
  useAction,
  useLoad,
} from '../components/ui.js';

/** Recovery codes are shown once: the user copies them before leaving. */
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
        <Field label="Your password" error={errs.password}>
          <input
            type="password"
            name="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(inputValue(e))}
            required
          />
        </Field>
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

function TwoFactorCard({ onEnabled }: { onEnabled: () => void }) {
  const status = useLoad(() => api.auth.twoFactor.status(), []);
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
              ? 'Your role signs in with a code from an authenticator app as well as the password. Set it up to go on.'
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
  return (
    <div class="short-list-page">
      <PageHeader title="Your account" />
      <p class="muted">
        Signed in as <strong>{user.username}</strong> ({user.role}).
      </p>
      {user.twoFactorSetupRequired ? (
        <p class="error" role="alert" data-testid="two-factor-required">
          Set up two-factor sign-in to open the rest of Ariadne.
        </p>
      ) : null}
      <TwoFactorCard onEnabled={onChanged} />
      <PasswordCard />
    </div>
  );
}
