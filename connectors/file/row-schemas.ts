/**
 * The Debezium row schema last seen for each source table. A stream may carry schema blocks
 * on some lines only (schemas.enable toggled, or a converter change); a line without one is
 * decoded with the schema learnt for its table, since the integers and strings of a
 * schema-less line are encoded the same way (a MicroTimestamp is still micros, a Decimal
 * still base64).
 */
import type { JsonObject } from '../../src/iceberg/spec/lossless-json.js';

/** Tables with schema blocks are few; names seen only without one are not kept. */
const MAX_TABLES = 10_000;

export class LearntRowSchemas {
  private readonly byTable = new Map<string, JsonObject>();

  /** Records the schema a line carried for `table` (the latest wins: columns may be added). */
  note(table: string, rowSchema: JsonObject): void {
    if (this.byTable.has(table) || this.byTable.size < MAX_TABLES) this.byTable.set(table, rowSchema);
  }

  /** The schema to decode a line of `table` with: its own, else the one learnt. */
  forLine(table: string, own: JsonObject | undefined): JsonObject | undefined {
    if (own) {
      this.note(table, own);
      return own;
    }
    return this.byTable.get(table);
  }
}
