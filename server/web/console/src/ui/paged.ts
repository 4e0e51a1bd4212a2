import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient, type AnyVariables, type CombinedError, type TypedDocumentNode } from 'urql';

interface Page<TNode> {
  nodes: TNode[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  totalCount?: number;
}

export interface Paged<TNode> {
  nodes: TNode[];
  totalCount?: number;
  hasMore: boolean;
  fetching: boolean;
  error?: CombinedError;
  /** Fetches the next page (after the last cursor); does nothing while one is on its way. */
  loadMore: () => void;
  /** Starts again from the first page (after a change, or on a timer). */
  refresh: () => void;
}

/** The API's largest page. */
const MAX_PAGE = 500;

/**
 * A Relay connection read a page at a time (first/after), the pages appended as the list
 * scrolls: a 10,000-row list costs 100 requests of 100, made only as far as someone scrolls.
 * A change of `variables` (compared by value) starts again.
 */
export function usePaged<TData, TVars extends AnyVariables, TNode>(
  document: TypedDocumentNode<TData, TVars>,
  variables: Omit<TVars, 'first' | 'after'>,
  pick: (data: TData) => Page<TNode>,
  pageSize = 100,
): Paged<TNode> {
  const client = useClient();
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ key: string; nodes: TNode[]; totalCount?: number; cursor?: string | null; hasMore: boolean; fetching: boolean; error?: CombinedError }>({ key, nodes: [], hasMore: false, fetching: true });
  const generation = useRef(0);
  const inFlight = useRef(false);
  const pickRef = useRef(pick);
  pickRef.current = pick;

  const fetchPage = useCallback(
    (after: string | null | undefined, append: boolean, first = pageSize) => {
      const mine = ++generation.current;
      inFlight.current = true;
      setState((s) => ({ ...s, fetching: true }));
      const vars = { ...JSON.parse(key), first: Math.min(first, MAX_PAGE), after: after ?? null } as unknown as TVars;
      void client
        .query(document, vars, { requestPolicy: 'network-only' })
        .toPromise()
        .then((result) => {
          if (mine !== generation.current) return;
          inFlight.current = false;
          if (result.error || !result.data) {
            setState((s) => ({ ...s, fetching: false, error: result.error }));
            return;
          }
          const page = pickRef.current(result.data);
          setState((s) => ({
            key,
            nodes: append ? [...s.nodes, ...page.nodes] : page.nodes,
            totalCount: page.totalCount,
            cursor: page.pageInfo.endCursor,
            hasMore: page.pageInfo.hasNextPage,
            fetching: false,
            error: undefined,
          }));
        });
    },
    [client, document, key, pageSize],
  );

  useEffect(() => {
    fetchPage(null, false);
  }, [fetchPage]);

  const loadMore = useCallback(() => {
    if (inFlight.current || !state.hasMore) return;
    fetchPage(state.cursor, true);
  }, [fetchPage, state.cursor, state.hasMore]);

  const refresh = useCallback(() => fetchPage(null, false, Math.max(pageSize, state.nodes.length)), [fetchPage, pageSize, state.nodes.length]);

  return { nodes: state.key === key ? state.nodes : [], totalCount: state.totalCount, hasMore: state.hasMore, fetching: state.fetching, error: state.error, loadMore, refresh };
}
