import { useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useCan, useServices, useSession } from './services.tsx';
import { LiveBanner, LiveIndicator } from '../ui/live-banner.tsx';

export function navigationFor(canReadRules: boolean) {
  return [
    { to: '/', label: 'Overview', end: true },
    { to: '/devices', label: 'Devices', end: false },
    { to: '/explorer', label: 'Topic explorer', end: false },
    ...(canReadRules ? [{ to: '/rules', label: 'Access rules', end: false }] : []),
    { to: '/lab', label: 'Protocol lab', end: false },
  ];
}

export function AppShell() {
  const { api, live } = useServices();
  const session = useSession();
  const canReadRules = useCan('rules.read');
  const navigate = useNavigate();
  const location = useLocation();
  const [menuFor, setMenuFor] = useState<string>();
  // The menu closes by itself on navigation: it is open only for the path it was opened on.
  const menuOpen = menuFor === location.pathname;

  const signOut = async () => {
    live.stop();
    await api.logout();
    await navigate('/sign-in', { replace: true });
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Twinwire</span>
        <button
          type="button"
          className="menu-toggle secondary small"
          aria-expanded={menuOpen}
          aria-controls="primary-nav"
          onClick={() => {
            setMenuFor(menuOpen ? undefined : location.pathname);
          }}
        >
          Menu
        </button>
        <nav id="primary-nav" aria-label="Main" className={menuOpen ? 'open' : undefined}>
          <ul>
            {navigationFor(canReadRules).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <LiveIndicator />
          <span className="user">
            {session?.user.username} <span className="role">{session?.user.role}</span>
          </span>
          <button type="button" className="secondary small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <LiveBanner />
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
