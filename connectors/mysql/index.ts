export { createMySqlSource, MySqlSource, type MySqlSourceOptions } from './mysql-source.js';
export { MySqlSetupError, MySqlValueError, MySqlConnectionLostError } from './errors.js';
export { compareMySqlPositions, toMySqlPosition, type BinlogPosition, type MySqlPosition, type SnapshotPosition } from './position.js';
export { icebergTypeOf, type MySqlColumn } from './type-mapping.js';
export { discoverTables, type MySqlTable } from './discovery.js';
export { binlogProblems, serverInfo } from './server-checks.js';
