import { IcetideError, NotFoundError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';

/** Reads an Avro metadata file, turning a missing file into an error that says what referenced it. */
export async function readAvroFile(io: FileIO, location: string, what: string): Promise<Uint8Array> {
  try {
    return await io.read(location);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`${what} ${location} does not exist (the table metadata references it; was it deleted or never copied?)`, {
        file: location,
      });
    }
    throw IcetideError.wrap(err, `reading ${what} ${location}`, { file: location });
  }
}
