import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { User } from '../api/types.js';
import { ErrorBox, inputValue, useAction } from '../components/ui.js';

export function LoginPage({ onLogin }: { onLogin: (u: User) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() => api.auth.login(username.trim(), password));
    if (r) onLogin(r.user);
  };
  return (
    <div class="login">
      <form class="card login-card" onSubmit={submit}>
        <h1>Ariadne</h1>
        <p class="muted">Contact center sign-in</p>
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
        <ErrorBox error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
