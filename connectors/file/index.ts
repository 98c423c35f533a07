export type { Envelope } from './change-record.js';
export { ChangeLineError } from './errors.js';
export {
  createFileSource,
  DEFAULT_BATCH_MAX_EVENTS,
  fileTableSpec,
  FileChangelogSource,
  type CreateFileSourceOptions,
  type FileOnError,
  type FileSourceOptions,
} from './file-source.js';
export { compareFilePositions, toFilePosition, type FilePosition } from './position.js';
export type { FileTableSpec } from './table-registry.js';
