import type { FolderProgress } from './types';

/** What an import is given by the run it belongs to: where to put its progress, and whether to stop. */
export interface RunHandle {
  /** The import adds its folders here and updates their counts. */
  readonly folders: FolderProgress[];
  /** Aborted when an administrator cancels the run; imports stop between batches. */
  readonly signal: AbortSignal;
  /** Tells watchers (GraphQL, the CLI) that the progress moved. */
  changed(): void;
}
