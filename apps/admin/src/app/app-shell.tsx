import { useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { can } from '@twinwire/schemas/capabilities';
import { useServices, useSession } from './services.tsx';
import { LiveBanner, LiveIndicator } from '../ui/live-banner.tsx';
import { navigationFor } from './navigation.ts';
import { AlarmBadge } from '../alarms/alarm-badge.tsx';

export function AppShell() {
  const { api, live } = useServices();
  const session = useSession();
  const role = session?.user.role;
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
            {navigationFor((capability) => can(role, capability)).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <AlarmBadge />
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
