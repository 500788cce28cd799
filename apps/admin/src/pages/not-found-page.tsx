import { Link } from 'react-router';
import { EmptyState } from '../ui/states.tsx';

export function NotFoundPage() {
  return (
    <div className="page">
      <EmptyState title="There is no page here">
        <p>
          <Link to="/">Go to the overview</Link>
        </p>
      </EmptyState>
    </div>
  );
}
