import type { FileInfo, FileIO, OutputStream } from '../../src/io/file-io.js';
import { isInflightMarker } from '../../src/sink/inflight-marker.js';

/** The I/O steps a maintenance run makes, as the race tests target them. */
export type IoStep = 'list' | 'marker-read' | 'metadata-read' | 'manifest-read' | 'delete';
export const IO_STEPS: readonly IoStep[] = ['list', 'marker-read', 'metadata-read', 'manifest-read', 'delete'];

/** A seeded PRNG in [0, 1) (splitmix-like), so a failing run is replayed by its seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

const isMetadataPointer = (l: string) => l.endsWith('.metadata.json') || l.endsWith('/version-hint.text');

/**
 * A FileIO that delays every call by a few (seeded) milliseconds, counts the calls per step
 * kind, and at the chosen step (the n-th call of one kind) runs `interleave` before the call
 * itself: a listing is paused before it yields that entry, a read or delete before it happens.
 * Everything else is passed to the wrapped FileIO unchanged.
 */
export class InterleavingFileIO implements FileIO {
  readonly counts: Record<IoStep, number> = { list: 0, 'marker-read': 0, 'metadata-read': 0, 'manifest-read': 0, delete: 0 };
  fired = false;

  constructor(
    private readonly inner: FileIO,
    private readonly rng: () => number,
    private readonly at?: { readonly step: IoStep; readonly index: number; readonly interleave: () => Promise<void> },
  ) {}

  private async step(kind: IoStep): Promise<void> {
    const n = this.counts[kind]++;
    await new Promise((r) => setTimeout(r, Math.floor(this.rng() * 3)));
    if (this.at && !this.fired && this.at.step === kind && this.at.index === n) {
      this.fired = true;
      await this.at.interleave();
    }
  }

  private readStep(location: string): IoStep {
    if (isInflightMarker(location)) return 'marker-read';
    return isMetadataPointer(location) ? 'metadata-read' : 'manifest-read';
  }

  async read(location: string): Promise<Uint8Array> {
    await this.step(this.readStep(location));
    return this.inner.read(location);
  }
  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    await this.step(this.readStep(location));
    return this.inner.readRange(location, offset, length);
  }
  async length(location: string): Promise<number> {
    return this.inner.length(location);
  }
  async exists(location: string): Promise<boolean> {
    // The filesystem catalog finds its pointer by probing for metadata files.
    if (isMetadataPointer(location)) await this.step('metadata-read');
    return this.inner.exists(location);
  }
  write(location: string, data: Uint8Array): Promise<void> {
    return this.inner.write(location, data);
  }
  writeIfAbsent(location: string, data: Uint8Array): Promise<boolean> {
    return this.inner.writeIfAbsent(location, data);
  }
  create(location: string): Promise<OutputStream> {
    return this.inner.create(location);
  }
  async *list(prefix: string): AsyncIterable<FileInfo> {
    for await (const f of this.inner.list(prefix)) {
      await this.step('list');
      yield f;
    }
  }
  async delete(location: string): Promise<void> {
    await this.step('delete');
    return this.inner.delete(location);
  }
}
