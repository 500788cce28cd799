import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { RouterProvider } from 'react-router';
import { ApiError } from '../api/api-error.ts';
import { createAppRouter } from './routes.tsx';
import { ServicesProvider, type Services } from './services.tsx';

function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Errors the operator must act on are shown at once; only transient ones are retried.
        retry: (failures, error) =>
          failures < 2 &&
          error instanceof ApiError &&
          (error.kind === 'network' || error.kind === 'unavailable' || error.kind === 'server'),
        staleTime: 5_000,
      },
    },
  });
}

export function App(props: { services: Services }) {
  const [queryClient] = useState(createQueryClient);
  const [router] = useState(createAppRouter);
  return (
    <ServicesProvider services={props.services}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ServicesProvider>
  );
}
