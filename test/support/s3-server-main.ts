/**
 * The S3 test server process: s3rver on 127.0.0.1 (any free port) over a given directory.
 * Run by s3-server.ts with --openssl-legacy-provider: s3rver encrypts ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 refuses otherwise (every listing longer than
 * one page fails with 500; measured in s3-server-gaps.test.ts). Prints `{"port":N}` when up.
 * argv: DIRECTORY BUCKET [conditional]
 */
import S3rver from 's3rver';

interface KoaLike {
  middleware: ((ctx: ShimContext, next: () => Promise<void>) => Promise<void>)[];
}
interface ShimContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | undefined>;
  status: number;
  type: string;
  body: unknown;
  store: { existsObject(bucket: string, key: string): Promise<boolean> };
}

/**
 * s3rver ignores `If-None-Match` on PUT (measured in s3-server-gaps.test.ts). This shim gives
 * it what AWS S3 and MinIO do: a PUT with `If-None-Match: *` on an existing key is refused
 * with 412, and is atomic against other such PUTs of the key (serialised per key; the
 * server is one process). Used only where a test says `conditionalWrites: true`.
 */
function conditionalPutShim(): KoaLike['middleware'][number] {
  const locks = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    // a PutObject (the SDK adds x-id=PutObject), not an UploadPart or a bucket call
    if (ctx.method !== 'PUT' || ctx.headers['if-none-match'] !== '*' || Object.keys(ctx.query).some((q) => q !== 'x-id')) return next();
    const [, bucket, ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const lockKey = `${bucket}/${key}`;
    const before = locks.get(lockKey) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = before.then(() => mine);
    locks.set(lockKey, chained);
    await before;
    try {
      if (await ctx.store.existsObject(bucket!, key)) {
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>`;
        return;
      }
      await next();
    } finally {
      release();
      if (locks.get(lockKey) === chained) locks.delete(lockKey);
    }
  };
}

const [directory, bucket, mode] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: directory!, configureBuckets: [{ name: bucket!, configs: [] }] });
if (mode === 'conditional') (server as unknown as KoaLike).middleware.unshift(conditionalPutShim());
const addr = await server.run();
process.stdout.write(`${JSON.stringify({ port: addr.port })}\n`);
process.on('SIGTERM', () => void server.close().finally(() => process.exit(0)));
