import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from './services.tsx';

/** Sends a signed-out visitor to the sign-in page, and back here afterwards. */
export function RequireSession(props: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session)
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return props.children;
}
