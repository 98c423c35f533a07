import { IcetideError, NotFoundError } from '../../src/errors.js';
import type { FileInfo, FileIO } from '../../src/io/file-io.js';
import { isMarkerLive, parseInflightMarker, type InflightMarkerRecord } from '../../src/sink/inflight-marker.js';

export interface LiveMarker extends InflightMarkerRecord {
  readonly location: string;
}

export interface MarkerReading {
  /** Markers of writers still in flight: their files are kept. */
  readonly live: LiveMarker[];
  /** Markers listed but gone when read: their writer committed or aborted since the listing. */
  readonly vanished: string[];
}

/**
 * Reads listed in-flight markers. A marker that vanished is reported, never taken for a dead
 * one quietly: its writer removes it right after its commit, so the caller must judge files
 * against metadata loaded after this read. A marker that cannot be read for another reason
 * stops the run (treating it as dead would expose its writer's files).
 */
export async function readMarkers(io: FileIO, markers: readonly FileInfo[], nowMs: number, deadAfterMs: number): Promise<MarkerReading> {
  const live: LiveMarker[] = [];
  const vanished: string[] = [];
  for (const f of markers) {
    let bytes: Uint8Array;
    try {
      bytes = await io.read(f.location);
    } catch (err) {
      if (err instanceof NotFoundError) {
        vanished.push(f.location);
        continue;
      }
      throw IcetideError.wrap(err, `cannot read the in-flight marker ${f.location}, nothing was deleted`, { file: f.location });
    }
    const m = parseInflightMarker(bytes);
    if (m && isMarkerLive(m, f.modifiedMs, nowMs, deadAfterMs)) live.push({ ...m, location: f.location });
  }
  return { live, vanished };
}
