import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { User } from '../api/types.js';
import { ErrorBox, inputValue, useAction } from '../components/ui.js';

/** Username and password; then, for a user with two-factor sign-in, the code from their app. */
export function LoginPage({ onLogin }: { onLogin: (u: User) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [askCode, setAskCode] = useState(false);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() => api.auth.login(username.trim(), password, askCode ? code.trim() : undefined));
    if (!r) return;
    if ('user' in r) onLogin(r.user);
    else setAskCode(true);
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
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? 'Signing in…' : askCode ? 'Verify' : 'Sign in'}
        </button>
        {askCode ? (
          <button type="button" class="link" onClick={startOver}>
            Use another account
          </button>
        ) : null}
      </form>
    </div>
  );
}
