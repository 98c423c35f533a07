/**
 * Shared fixtures of the MySQL connector tests: a table with a column of every supported
 * type, rows that exercise each type's edges, and a pipeline config text for a private server.
 */
import type { MariaDbServer } from './mariadb-server.js';

export const ALL_TYPES_DDL = `(
  id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, bo BOOLEAN,
  dec1 DECIMAL(10,2), dec2 DECIMAL(38,10), dec3 DECIMAL(65,0), f FLOAT, dbl DOUBLE,
  dt DATE, dtt DATETIME, dt3 DATETIME(3), dt6 DATETIME(6), ts TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL,
  tm TIME, tm6 TIME(6), yr YEAR,
  c CHAR(5), vc VARCHAR(100), tx TEXT, lt LONGTEXT,
  b BINARY(4), vb VARBINARY(10), bl BLOB,
  e ENUM('a','b','c'), st SET('x','y','z'), bt BIT(5), bt64 BIT(64), js JSON
) DEFAULT CHARSET=utf8mb4`;

/** Values for every column but id, as SQL literals; row 2 is all NULL. */
export const ALL_TYPES_ROWS: readonly string[] = [
  `-128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615, 1,
   -12345678.91, 1234567890123456789012345678.0123456789, 99999999999999999999999999999999999999999999999999999999999999999, 1/3, -2.25e300,
   '2024-02-29', '1000-01-01 00:00:00', '2024-01-01 12:34:56.789', '9999-12-31 23:59:59.999999', '2024-06-01 10:00:00', '2038-01-19 03:14:07.123456',
   '12:34:56', '23:59:59.000001', 2155,
   'ab', 'héllo 😀 wörld', 'text 😀', REPEAT('x', 70000),
   x'01020304', x'00ff', x'deadbeef', 'b', 'x,z', b'10101', b'1111111111111111111111111111111111111111111111111111111111111111', '{"a": [1, 2.5, "x"], "b": null}'`,
  Array.from({ length: 37 }, () => 'NULL').join(', '),
  `0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
   0.01, -0.0000000001, 0, 0.1, 0.1,
   '1970-01-01', '1970-01-01 00:00:00', '1999-12-31 23:59:59.5', '0000-00-00 00:00:00', '1970-01-01 05:00:01', '2000-01-01 00:00:00.000001',
   '00:00:00', '00:00:00.5', 1901,
   '', '', '', '',
   x'00000000', x'', x'', 'a', '', b'0', b'0', '[]'`,
  `127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 9223372036854775808, 0,
   99999999.99, -9999999999999999999999999999.9999999999, -1, -3.4e38, 1.7976931348623157e308,
   '9999-12-31', '2024-03-10 02:30:00', '2024-03-10 02:30:00.001', '1970-01-01 00:00:00.000001', '2038-01-19 03:14:07', '1970-01-01 00:00:01.999999',
   '23:59:59', '00:00:00.000001', 1970,
   'abcde', '中文 ＆ العربية', 'line1\\nline2\\ttab', 'z',
   x'ffffffff', x'0000', x'00', 'c', 'x,y,z', b'11111', b'1', '{"n": 12345678901234567890}'`,
];

export async function createAllTypesTable(s: MariaDbServer, name: string): Promise<void> {
  await s.query(`CREATE TABLE ${name} ${ALL_TYPES_DDL}`);
}

/** Inserts the fixture rows with ids `base + 1..` (the session zone is not UTC on purpose). */
export async function insertAllTypesRows(s: MariaDbServer, name: string, base: number): Promise<void> {
  const values = ALL_TYPES_ROWS.map((v, i) => `(${base + i + 1}, ${v})`).join(',\n');
  await s.query(`SET time_zone = '+05:00'; SET sql_mode = ''; INSERT INTO ${name} VALUES ${values}; SET time_zone = SYSTEM`);
}

export function pipelineYaml(s: MariaDbServer, o: { warehouse: string; tables: string; source?: string; pipelineId?: string; commit?: string }): string {
  return `pipeline-id: ${o.pipelineId ?? 'mysql-test'}
source:
  type: mysql
  host: 127.0.0.1
  port: ${s.port}
${o.source?.includes('user:') ? '' : '  user: root\n'}  heartbeat-interval-ms: 300
${o.source ?? ''}
tables:
${o.tables}
target:
  warehouse: ${o.warehouse}
  namespace: lake
${o.commit ?? ''}
`;
}
