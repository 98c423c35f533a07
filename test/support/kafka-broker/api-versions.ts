/**
 * The APIs the test broker serves and their version ranges. A client uses the highest
 * version both sides support; each range is the one version kafkajs 2.2 uses (its highest),
 * which the handlers implement field for field. `flexibleFrom`
 * is the first version with compact encodings and tagged fields (KIP-482).
 */
export const API = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  CreateTopics: 19,
} as const;

export interface ApiRange {
  readonly min: number;
  readonly max: number;
  readonly flexibleFrom: number;
}

export const SUPPORTED: Readonly<Record<number, ApiRange>> = {
  [API.Produce]: { min: 7, max: 7, flexibleFrom: 9 },
  [API.Fetch]: { min: 11, max: 11, flexibleFrom: 12 },
  [API.ListOffsets]: { min: 3, max: 3, flexibleFrom: 6 },
  [API.Metadata]: { min: 6, max: 6, flexibleFrom: 9 },
  [API.OffsetCommit]: { min: 5, max: 5, flexibleFrom: 8 },
  [API.OffsetFetch]: { min: 4, max: 4, flexibleFrom: 6 },
  [API.FindCoordinator]: { min: 2, max: 2, flexibleFrom: 3 },
  [API.JoinGroup]: { min: 5, max: 5, flexibleFrom: 6 },
  [API.Heartbeat]: { min: 3, max: 3, flexibleFrom: 4 },
  [API.LeaveGroup]: { min: 3, max: 3, flexibleFrom: 4 },
  [API.SyncGroup]: { min: 3, max: 3, flexibleFrom: 4 },
  [API.ApiVersions]: { min: 2, max: 2, flexibleFrom: 3 },
  [API.CreateTopics]: { min: 3, max: 3, flexibleFrom: 5 },
};
