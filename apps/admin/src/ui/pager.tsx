import { useState } from 'react';

/**
 * Cursor pages of an API list: the cursors of the pages seen so far (undefined: the first),
 * so Previous needs no cursor of its own.
 */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  return {
    page,
    cursor: cursors[page],
    previous: () => {
      setCursors((stack) => stack.slice(0, -1));
    },
    next: (cursor: string) => {
      setCursors((stack) => [...stack, cursor]);
    },
  };
}

/** Previous / page number / Next under a paged list. */
export function Pager(props: {
  label: string;
  pages: ReturnType<typeof useCursorPages>;
  /** null on the last page. */
  nextCursor: string | null;
  updating?: boolean;
}) {
  const { pages, nextCursor } = props;
  return (
    <nav className="pager" aria-label={props.label}>
      <button
        type="button"
        className="secondary"
        disabled={pages.page === 0}
        onClick={pages.previous}
      >
        Previous
      </button>
      <span aria-live="polite">
        Page {pages.page + 1}
        {props.updating ? ' (updating…)' : ''}
      </span>
      <button
        type="button"
        className="secondary"
        disabled={nextCursor === null}
        onClick={() => {
          if (nextCursor !== null) pages.next(nextCursor);
        }}
      >
        Next
      </button>
    </nav>
  );
}
