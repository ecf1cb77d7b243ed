import { startAuthentication, type AuthenticationResponseJSON } from '@simplewebauthn/browser';
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { User } from '../api/types.js';
import { closedPrompt, passkeysUnavailable, promptError } from '../components/passkeys.js';
import { ErrorBox, inputValue, useAction } from '../components/ui.js';

/**
 * Username and password; then, for a user with two-factor sign-in, the code from their app. Or a passkey, which is
 * both factors and needs neither.
 */
export function LoginPage({ onLogin }: { onLogin: (u: User) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [askCode, setAskCode] = useState(false);
  const action = useAction();
  const passkey = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    passkey.clear();
    setNotice(null);
    const r = await action.run(() => api.auth.login(username.trim(), password, askCode ? code.trim() : undefined));
    if (!r) return;
    if ('user' in r) onLogin(r.user);
    else setAskCode(true);
  };
  const signInWithPasskey = async () => {
    action.clear();
    setNotice(null);
    const r = await passkey.run(async () => {
      const optionsJSON = await api.auth.passkeyLogin.options();
      let credential: AuthenticationResponseJSON;
      try {
        credential = await startAuthentication({ optionsJSON });
      } catch (err) {
        const calm = closedPrompt(err, 'sign-in');
        if (calm) {
          setNotice(calm);
          return undefined;
        }
        throw promptError(err);
      }
      return api.auth.passkeyLogin.finish(credential);
    });
    if (r) onLogin(r.user);
  };
  const startOver = () => {
    setAskCode(false);
    setCode('');
    setPassword('');
    action.clear();
  };
  return (
    <div class="login">
      <form class="card login-card" onSubmit={submit}>
        <h1>Ariadne</h1>
        <p class="muted">Contact center sign-in</p>
        {askCode ? (
          <>
            <p data-testid="two-factor-prompt">
              Signing in as <strong>{username.trim()}</strong>. Enter the 6-digit code from your authenticator app, or
              one of your recovery codes.
            </p>
            <label class="field">
              <span class="label">Code</span>
              <input
                name="code"
                autocomplete="one-time-code"
                inputMode="numeric"
                value={code}
                onInput={(e) => setCode(inputValue(e))}
                required
                autofocus
              />
            </label>
          </>
        ) : (
          <>
            <label class="field">
              <span class="label">Username</span>
              <input
                name="username"
                autocomplete="username"
                value={username}
                onInput={(e) => setUsername(inputValue(e))}
                required
                autofocus
              />
            </label>
            <label class="field">
              <span class="label">Password</span>
              <input
                name="password"
                type="password"
                autocomplete="current-password"
                value={password}
                onInput={(e) => setPassword(inputValue(e))}
                required
              />
            </label>
          </>
        )}
        <ErrorBox error={action.error} />
        <button type="submit" class="primary" disabled={action.busy || passkey.busy}>
          {action.busy ? 'Signing in…' : askCode ? 'Verify' : 'Sign in'}
        </button>
        {askCode ? (
          <button type="button" class="link" onClick={startOver}>
            Use another account
          </button>
        ) : passkeysUnavailable() ? null : (
          <>
            <div class="login-or">
              <span>or</span>
            </div>
            <button
              type="button"
              data-testid="passkey-sign-in"
              onClick={() => void signInWithPasskey()}
              disabled={action.busy || passkey.busy}
            >
              {passkey.busy ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
            </button>
            <ErrorBox error={passkey.error} />
            {notice ? (
              <p class="muted" role="status" data-testid="passkey-notice">
                {notice}
              </p>
            ) : null}
          </>
        )}
      </form>
    </div>
  );
}
