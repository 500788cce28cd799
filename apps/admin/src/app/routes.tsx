import { createHashRouter, type RouteObject } from 'react-router';
import { AlarmRulesPage } from '../pages/alarm-rules-page.tsx';
import { AlarmsPage } from '../pages/alarms-page.tsx';
import { ClientsPage } from '../pages/clients-page.tsx';
import { DeviceDetailPage } from '../pages/device-detail-page.tsx';
import { DevicesPage } from '../pages/devices-page.tsx';
import { ExplorerPage } from '../pages/explorer-page.tsx';
import { LabPage } from '../pages/lab-page.tsx';
import { NotFoundPage } from '../pages/not-found-page.tsx';
import { OverviewPage } from '../pages/overview-page.tsx';
import { RetainedPage } from '../pages/retained-page.tsx';
import { RulesPage } from '../pages/rules-page.tsx';
import { SignInPage } from '../pages/sign-in-page.tsx';
import { UsersPage } from '../pages/users-page.tsx';
import { WebhooksPage } from '../pages/webhooks-page.tsx';
import { AppShell } from './app-shell.tsx';
import { RequireSession } from './require-session.tsx';

const routes: RouteObject[] = [
  { path: '/sign-in', element: <SignInPage /> },
  {
    path: '/',
    element: (
      <RequireSession>
        <AppShell />
      </RequireSession>
    ),
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'devices', element: <DevicesPage /> },
      { path: 'devices/:id', element: <DeviceDetailPage /> },
      { path: 'alarms', element: <AlarmsPage /> },
      { path: 'alarm-rules', element: <AlarmRulesPage /> },
      { path: 'webhooks', element: <WebhooksPage /> },
      { path: 'clients', element: <ClientsPage /> },
      { path: 'retained', element: <RetainedPage /> },
      { path: 'explorer', element: <ExplorerPage /> },
      { path: 'rules', element: <RulesPage /> },
      { path: 'users', element: <UsersPage /> },
      { path: 'lab', element: <LabPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

/**
 * Hash URLs (`#/devices/pump-1`): the site is static files under any path (base './'), so a
 * deep link must load index.html without server rewrites, and relative asset URLs must
 * resolve from the site root whatever the route.
 */
export function createAppRouter() {
  return createHashRouter(routes);
}
