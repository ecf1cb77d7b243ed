// The shell: who is signed in, the role-aware navigation, and which page the hash points at.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setUnauthenticatedHandler } from './api/client.js';
import { setLive, useLiveStatus } from './api/live.js';
import type { Role, User } from './api/types.js';
import { navigate, usePath, match } from './router.js';
import { LoginPage } from './pages/login.js';
import { WallboardPage } from './pages/wallboard.js';
import { WorkspacePage } from './pages/workspace.js';
import { CallsPage, CallDetailPage } from './pages/calls.js';
import { RecordingsPage } from './pages/recordings.js';
import { TicketsPage } from './pages/tickets.js';
import { ReportsPage } from './pages/reports.js';
import { AgentsPage } from './pages/agents.js';
import { SkillsPage } from './pages/skills.js';
import { PauseReasonsPage } from './pages/pause-reasons.js';
import { DoNotCallPage } from './pages/do-not-call.js';
import { PrivacyPage } from './pages/privacy.js';
import { BlockedCallersPage } from './pages/blocked-callers.js';
import { CampaignsPage } from './pages/campaigns.js';
import { QueuesPage } from './pages/queues.js';
import { RoutingPage } from './pages/routing.js';
import { IvrListPage, IvrEditorPage } from './pages/ivr.js';
import { HoursPage } from './pages/hours.js';
import { UsersPage } from './pages/users.js';
import { SystemPage } from './pages/system.js';
import { AccountPage } from './pages/account.js';
import { EvaluationsPage } from './pages/evaluations.js';
import { ScorecardsPage } from './pages/scorecards.js';
import { SchedulePage } from './pages/schedule.js';

interface NavItem {
  path: string;
  label: string;
  roles: readonly Role[];
  /** Shown only to users bound to an agent. */
  needsAgent?: boolean;
}

const STAFF: readonly Role[] = ['admin', 'supervisor'];
const ALL: readonly Role[] = ['admin', 'supervisor', 'agent'];

const NAV: readonly NavItem[] = [
  { path: '/workspace', label: 'Workspace', roles: ALL, needsAgent: true },
  { path: '/wallboard', label: 'Wallboard', roles: STAFF },
  { path: '/calls', label: 'Calls', roles: ALL },
  { path: '/recordings', label: 'Recordings', roles: ALL },
  { path: '/tickets', label: 'Tickets', roles: ALL },
  { path: '/evaluations', label: 'Evaluations', roles: ALL },
  { path: '/reports', label: 'Reports', roles: STAFF },
  { path: '/admin/agents', label: 'Agents', roles: STAFF },
  { path: '/admin/schedule', label: 'Schedule', roles: STAFF },
  { path: '/admin/queues', label: 'Queues', roles: STAFF },
  { path: '/admin/skills', label: 'Skills', roles: ['admin'] },
  { path: '/admin/pause-reasons', label: 'Pause reasons', roles: ['admin'] },
  { path: '/admin/do-not-call', label: 'Do not call', roles: STAFF },
  { path: '/admin/blocked-callers', label: 'Blocked', roles: STAFF },
  { path: '/admin/campaigns', label: 'Campaigns', roles: STAFF },
  { path: '/admin/routing', label: 'Routing', roles: STAFF },
  { path: '/admin/ivr', label: 'IVR flows', roles: STAFF },
  { path: '/admin/hours', label: 'Hours', roles: STAFF },
  { path: '/admin/users', label: 'Users', roles: ['admin'] },
  { path: '/admin/privacy', label: 'Privacy', roles: ['admin'] },
  { path: '/admin/system', label: 'System', roles: ['admin'] },
];

function allowed(user: User, item: NavItem): boolean {
  return item.roles.includes(user.role) && (!item.needsAgent || user.agentId !== null);
}

function homeFor(user: User): string {
  if (user.role === 'agent' || (user.agentId !== null && user.role !== 'admin')) return '/workspace';
  return '/wallboard';
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const path = usePath();

  useEffect(() => {
    setUnauthenticatedHandler(() => setUser(null));
    api.auth.me().then(
      (r) => setUser(r.user),
      () => setUser(null),
    );
  }, []);

  useEffect(() => {
    // A session that owes its second factor is refused the live socket.
    setLive(!!user && !user.twoFactorSetupRequired);
  }, [user]);

  if (user === undefined) return <p class="muted boot">Loading…</p>;
  if (user === null) {
    return (
      <LoginPage
        onLogin={(u) => {
          setUser(u);
          if (currentIsHome(path)) navigate(homeFor(u));
        }}
      />
    );
  }

  const logout = () => void api.auth.logout().finally(() => setUser(null));
  const refreshUser = () => void api.auth.me().then((r) => setUser(r.user));

  // A role that requires a second factor, signed in without one: the server opens nothing else until it is set up.
  if (user.twoFactorSetupRequired) {
    return (
      <div class="shell">
        <NavBar user={user} path="/account" onLogout={logout} />
        <main>
          <AccountPage user={user} onChanged={refreshUser} />
        </main>
      </div>
    );
  }

  const wall = path.startsWith('/wallboard') && path.includes('large');
  return (
    <div class={wall ? 'shell wall' : 'shell'}>
      {wall ? null : <NavBar user={user} path={path} onLogout={logout} />}
      <main>
        <Page user={user} path={path} onUserChanged={refreshUser} />
      </main>
    </div>
  );
}

function currentIsHome(path: string): boolean {
  return path === '/' || path === '';
}

function NavBar({ user, path, onLogout }: { user: User; path: string; onLogout: () => void }) {
  const live = useLiveStatus();
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        Ariadne
      </a>
      <nav>
        {(user.twoFactorSetupRequired ? [] : NAV.filter((n) => allowed(user, n))).map((n) => (
          <a key={n.path} href={`#${n.path}`} class={path === n.path || path.startsWith(n.path + '/') ? 'active' : ''}>
            {n.label}
          </a>
        ))}
      </nav>
      <div class="who">
        <span class={`live-dot ${live}`} title={`live updates: ${live}`} />
        <a href="#/account" data-testid="whoami" title="Your account: two-factor sign-in, passkeys, password">
          {user.displayName} <span class="muted">({user.role})</span>
        </a>
        <button class="link" onClick={onLogout}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to), [to]);
  return null;
}

function Forbidden() {
  return <p class="error">Your role cannot open this page.</p>;
}

function Guard({ user, roles, children }: { user: User; roles: readonly Role[]; children: ComponentChildren }) {
  return roles.includes(user.role) ? <>{children}</> : <Forbidden />;
}

function Page({ user, path, onUserChanged }: { user: User; path: string; onUserChanged: () => void }) {
  const isAdmin = user.role === 'admin';
  if (path === '/' || path === '') return <Redirect to={homeFor(user)} />;
  if (path === '/account') return <AccountPage user={user} onChanged={onUserChanged} />;
  if (path.startsWith('/wallboard')) {
    return (
      <Guard user={user} roles={STAFF}>
        <WallboardPage large={path.includes('large')} user={user} />
      </Guard>
    );
  }
  if (path === '/workspace')
    return user.agentId !== null ? (
      <WorkspacePage user={user} />
    ) : (
      <p class="error">Your user is not bound to an agent.</p>
    );
  if (path.startsWith('/calls')) {
    const m = match('/calls/:id', path);
    return m ? <CallDetailPage id={m.id!} user={user} /> : <CallsPage user={user} />;
  }
  if (path === '/recordings') return <RecordingsPage />;
  if (path === '/tickets' || path.startsWith('/tickets/')) {
    // One page for the list and its detail, so opening a ticket keeps the filters and the page of the list.
    const m = match('/tickets/:id', path);
    return <TicketsPage user={user} selected={m ? m.id! : null} />;
  }
  if (path === '/evaluations' || path.startsWith('/evaluations/')) {
    const m = match('/evaluations/:id', path);
    return <EvaluationsPage user={user} selected={m ? Number(m.id) : null} />;
  }
  if (path === '/admin/scorecards')
    return (
      <Guard user={user} roles={STAFF}>
        {<ScorecardsPage canEdit={isAdmin} />}
      </Guard>
    );
  if (path === '/reports')
    return (
      <Guard user={user} roles={STAFF}>
        <ReportsPage user={user} />
      </Guard>
    );
  if (path === '/admin/agents')
    return (
      <Guard user={user} roles={STAFF}>
        {<AgentsPage canEdit={isAdmin} />}
      </Guard>
    );
  // One page for the day and the week, so switching keeps the day shown.
  if (path === '/admin/schedule' || path === '/admin/schedule/week')
    return (
      <Guard user={user} roles={STAFF}>
        <SchedulePage user={user} view={path === '/admin/schedule/week' ? 'week' : 'day'} />
      </Guard>
    );
  if (path === '/admin/queues')
    return (
      <Guard user={user} roles={STAFF}>
        {<QueuesPage canEdit={isAdmin} />}
      </Guard>
    );
  if (path === '/admin/skills')
    return (
      <Guard user={user} roles={['admin']}>
        {<SkillsPage />}
      </Guard>
    );
  if (path === '/admin/pause-reasons')
    return (
      <Guard user={user} roles={['admin']}>
        {<PauseReasonsPage />}
      </Guard>
    );
  if (path === '/admin/do-not-call')
    return (
      <Guard user={user} roles={STAFF}>
        {<DoNotCallPage />}
      </Guard>
    );
  if (path === '/admin/campaigns' || path.startsWith('/admin/campaigns/')) {
    // One page for the list and a campaign's detail, so opening one keeps the list's page.
    const m = match('/admin/campaigns/:id', path);
    return (
      <Guard user={user} roles={STAFF}>
        {<CampaignsPage user={user} selected={m ? m.id! : null} />}
      </Guard>
    );
  }
  if (path === '/admin/routing')
    return (
      <Guard user={user} roles={STAFF}>
        {<RoutingPage canEdit={isAdmin} />}
      </Guard>
    );
  if (path === '/admin/ivr')
    return (
      <Guard user={user} roles={STAFF}>
        {<IvrListPage canEdit={isAdmin} />}
      </Guard>
    );
  const ivr = match('/admin/ivr/:name', path);
  if (ivr)
    return (
      <Guard user={user} roles={STAFF}>
        {<IvrEditorPage name={ivr.name!} canEdit={isAdmin} />}
      </Guard>
    );
  if (path === '/admin/hours')
    return (
      <Guard user={user} roles={STAFF}>
        {<HoursPage canEdit={isAdmin} />}
      </Guard>
    );
  if (path === '/admin/users')
    return (
      <Guard user={user} roles={['admin']}>
        {<UsersPage />}
      </Guard>
    );
  if (path === '/admin/blocked-callers')
    return (
      <Guard user={user} roles={STAFF}>
        {<BlockedCallersPage />}
      </Guard>
    );
  if (path === '/admin/privacy')
    return (
      <Guard user={user} roles={['admin']}>
        {<PrivacyPage />}
      </Guard>
    );
  if (path === '/admin/system')
    return (
      <Guard user={user} roles={['admin']}>
        {<SystemPage />}
      </Guard>
    );
  return <p class="error">No page at {path}.</p>;
}
