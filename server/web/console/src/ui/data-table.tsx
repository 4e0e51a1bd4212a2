import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCanChange } from './control';

export interface Column<T> {
  key: string;
  header: string;
  render: (row: T) => ReactNode;
  /** Makes the column sortable (in the browser, over the rows loaded) by this value. */
  sortValue?: (row: T) => string | number;
  /** A CSS grid track, e.g. "8rem" or "2fr" (default 1fr). */
  width?: string;
}

export interface SortState {
  key: string;
  descending: boolean;
}

interface DataTableProps<T> {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** Rows in the whole list (the connection's totalCount), for screen readers and the footer. */
  totalCount?: number;
  /** More rows exist: scrolling near the end calls onLoadMore. */
  hasMore?: boolean;
  onLoadMore?: () => void;
  /** Server-side sorting: the table shows the state and reports clicks instead of sorting itself. */
  sort?: SortState;
  onSortChange?: (sort: SortState) => void;
  /** Row selection for actions (shown only to accounts that may change things). */
  selected?: ReadonlySet<string>;
  onSelectedChange?: (selected: Set<string>) => void;
  /** Called when a row is activated (click or Enter): e.g. to inspect it. */
  onOpen?: (row: T) => void;
  height?: string;
  rowHeight?: number;
}

/** `1fr` → `minmax(7rem, 1fr)`; fixed widths stay as they are. */
function flexible(width: string): string {
  return /^[\d.]+fr$/.test(width) ? `minmax(7rem, ${width})` : width;
}

/**
 * A table whose rows are virtualised (only the visible ones are in the page, so 10,000 rows
 * scroll smoothly) and fed a page at a time from a Relay connection (see usePaged).
 */
export function DataTable<T>(props: DataTableProps<T>) {
  const { label, rows, columns, rowKey, totalCount, hasMore, onLoadMore, onOpen, height = '60vh', rowHeight = 40 } = props;
  const canChange = useCanChange();
  const selectable = canChange && props.selected !== undefined && props.onSelectedChange !== undefined;
  const [localSort, setLocalSort] = useState<SortState | undefined>();
  const sort = props.onSortChange ? props.sort : localSort;
  const sorted = useMemo(() => {
    if (props.onSortChange || !localSort) return rows;
    const column = columns.find((c) => c.key === localSort.key);
    if (!column?.sortValue) return rows;
    const value = column.sortValue;
    const out = [...rows].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    return localSort.descending ? out.reverse() : out;
  }, [rows, columns, localSort, props.onSortChange]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: sorted.length, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  const nearEnd = Boolean(hasMore && last && last.index >= sorted.length - 40);
  useEffect(() => {
    if (nearEnd) onLoadMore?.();
  }, [nearEnd, onLoadMore, sorted.length]);

  // A flexible column keeps 7rem: on a phone the fixed columns alone are wider than the screen,
  // and a bare `fr` column would shrink to nothing (addresses gone); the table scrolls sideways.
  const template = [selectable ? '2.5rem' : '', ...columns.map((c) => flexible(c.width ?? '1fr'))].filter(Boolean).join(' ');
  const toggleSort = (key: string) => {
    const next = { key, descending: sort?.key === key ? !sort.descending : false };
    if (props.onSortChange) props.onSortChange(next);
    else setLocalSort(next);
  };
  const setSelected = (id: string, on: boolean) => {
    const next = new Set(props.selected);
    if (on) next.add(id);
    else next.delete(id);
    props.onSelectedChange?.(next);
  };
  const allSelected = selectable && sorted.length > 0 && sorted.every((r) => props.selected?.has(rowKey(r)));

  return (
    <div className="data-table">
      <div className="data-table-scroll-x" role="table" aria-label={label} aria-rowcount={(totalCount ?? sorted.length) + 1}>
        <div role="rowgroup" className="data-table-head">
          <div role="row" aria-rowindex={1} className="data-table-row" style={{ gridTemplateColumns: template }}>
            {selectable ? (
              <div role="columnheader" className="cell-select">
                <input type="checkbox" aria-label="Select every row loaded" checked={allSelected} onChange={(e) => props.onSelectedChange?.(e.target.checked ? new Set(sorted.map(rowKey)) : new Set())} />
              </div>
            ) : null}
            {columns.map((c) => (
              <div role="columnheader" key={c.key} aria-sort={sort?.key === c.key ? (sort.descending ? 'descending' : 'ascending') : undefined}>
                {c.sortValue || props.onSortChange ? (
                  <button type="button" className="sort" data-view onClick={() => toggleSort(c.key)}>
                    {c.header}
                    <span aria-hidden="true">{sort?.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
                  </button>
                ) : (
                  c.header
                )}
              </div>
            ))}
          </div>
        </div>
        <div ref={scroller} className="data-table-body" style={{ height, maxHeight: height }} tabIndex={0} role="rowgroup" aria-label={`${label}, scrollable`}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const row = sorted[item.index];
              const id = rowKey(row);
              return (
                <div
                  role="row"
                  key={id}
                  aria-rowindex={item.index + 2}
                  aria-selected={selectable ? Boolean(props.selected?.has(id)) : undefined}
                  className={onOpen ? 'data-table-row openable' : 'data-table-row'}
                  style={{ gridTemplateColumns: template, height: rowHeight, transform: `translateY(${item.start}px)` }}
                  onDoubleClick={onOpen ? () => onOpen(row) : undefined}
                >
                  {selectable ? (
                    <div role="cell" className="cell-select">
                      <input type="checkbox" aria-label={`Select ${id}`} checked={Boolean(props.selected?.has(id))} onChange={(e) => setSelected(id, e.target.checked)} />
                    </div>
                  ) : null}
                  {columns.map((c) => (
                    <div role="cell" key={c.key}>
                      {c.render(row)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      <p className="data-table-foot" aria-live="polite">
        {sorted.length === (totalCount ?? sorted.length) ? `${sorted.length} shown` : `${sorted.length} of ${totalCount} loaded`}
        {hasMore ? ' — scroll for more' : ''}
      </p>
    </div>
  );
}
