/**
 * The source state test/connectors/file/fixtures/postgres-inventory.jsonl describes (the
 * Debezium Postgres tutorial stream), as the Iceberg tables read it back: what every path that
 * ingests that stream (file source, Kafka source) must arrive at.
 */
export const customer = (id: number, first_name: string, last_name: string, email: string) => ({ id, first_name, last_name, email });

export const POSTGRES_INVENTORY_CUSTOMERS = [
  customer(1001, 'Sally', 'Thomas', 'sally.t@example.com'),
  customer(1002, 'George', 'Bailey', 'gbailey@foobar.com'),
  customer(1003, 'Edward', 'Walker', 'ed@walker.com'),
  customer(1005, 'Jane', 'Doe', 'jane.doe@example.com'),
];

/** [id, name, price (unscaled decimal(10,2))] of each product. */
export const POSTGRES_INVENTORY_PRODUCTS: [number, string, bigint][] = [[101, 'scooter', 1799n], [102, 'car battery', 8450n], [103, '12-pack drill bits', 725n], [104, 'hammer', 1200n]];
