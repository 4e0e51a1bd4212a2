import type { CombinedError } from 'urql';
import type { ReactNode } from 'react';

/** The API's code (extensions.code) and message of the first error, or the network failure. */
export function describeError(error: CombinedError): { code: string; message: string } {
  const first = error.graphQLErrors[0];
  if (first) return { code: String(first.extensions?.code ?? 'ERROR'), message: first.message };
  return { code: 'NETWORK', message: error.networkError?.message ?? error.message };
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state state-loading" role="status">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

export function ErrorState({ error, title = 'The server refused' }: { error: CombinedError; title?: string }) {
  const { code, message } = describeError(error);
  return (
    <div className="state state-error" role="alert">
      <strong>{title}</strong> <code>{code}</code> {message}
    </div>
  );
}

/** Loading, error or empty in one place: renders `children` only once there is data. */
export function QueryState({ fetching, error, empty, emptyText, children }: { fetching: boolean; error?: CombinedError; empty?: boolean; emptyText?: ReactNode; children: ReactNode }) {
  if (error) return <ErrorState error={error} />;
  if (fetching && empty !== false) return <Loading />;
  if (empty) return <Empty>{emptyText ?? 'Nothing here.'}</Empty>;
  return <>{children}</>;
}
