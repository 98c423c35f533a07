/**
 * mysql2 connections with the session settings every reader relies on: TIMESTAMP in UTC,
 * utf8mb4, exact big numbers and DECIMAL as text, temporal values as text (type-mapping.ts).
 */
import mysql from 'mysql2/promise';
import { explainConnectError } from './errors.js';

export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database?: string;
}

/** Options for both promise and callback connections (snapshot streams use the latter). */
export function connectionOptions(s: ConnectionSettings): mysql.ConnectionOptions {
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password ?? '',
    ...(s.database ? { database: s.database } : {}),
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
    connectTimeout: 10_000,
    // JSON as its text (MariaDB: as stored), like the binlog decoder hands it over.
    jsonStrings: true,
    // BIT arrives as bytes (binary charset), like the binlog decoder hands it over. No
    // typeCast function: mysql2 would call it with a fresh closure for every value.
  };
}

export async function connect(s: ConnectionSettings, where = `mysql://${s.user}@${s.host}:${s.port}`): Promise<mysql.Connection> {
  let c: mysql.Connection;
  try {
    c = await mysql.createConnection(connectionOptions(s));
  } catch (err) {
    throw explainConnectError(err, where);
  }
  // The session zone decides how TIMESTAMP is shown: UTC, like the binlog's epoch values.
  await c.query("SET time_zone = '+00:00'");
  return c;
}

export async function queryRows<T>(c: mysql.Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await c.query(sql, params);
  return rows as T[];
}
