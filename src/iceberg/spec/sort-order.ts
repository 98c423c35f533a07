import type { Transform } from './transforms.js';

export type SortDirection = 'asc' | 'desc';
export type NullOrder = 'nulls-first' | 'nulls-last';

export interface SortField {
  readonly sourceId: number;
  readonly transform: Transform;
  readonly direction: SortDirection;
  readonly nullOrder: NullOrder;
}

export interface SortOrder {
  readonly orderId: number;
  readonly fields: readonly SortField[];
}

export const UNSORTED_ORDER: SortOrder = { orderId: 0, fields: [] };
