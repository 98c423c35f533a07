/**
 * The consumer group coordinator (KIP-62 / the "classic" group protocol): members join, the
 * leader's assignment is handed out by SyncGroup, heartbeats learn of rebalances, members
 * that stop heartbeating are expired. Offsets are kept per group, topic and partition.
 */
import { randomUUID } from 'node:crypto';
import { ERROR } from './error-codes.js';

interface Member {
  readonly id: string;
  readonly groupInstanceId: string | null;
  protocols: readonly { name: string; metadata: Buffer }[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  lastSeen: number;
  assignment: Buffer;
  /** Set while its JoinGroup waits for the rebalance to complete. */
  pendingJoin?: (r: JoinResult) => void;
  pendingSync?: (r: SyncResult) => void;
}

export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leaderId: string;
  readonly memberId: string;
  readonly members: readonly { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  readonly errorCode: number;
  readonly assignment: Buffer;
}

export interface JoinRequest {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocols: readonly { name: string; metadata: Buffer }[];
}

type State = 'empty' | 'preparing' | 'completing' | 'stable';

/** How long a rebalance waits for more members before completing (group.initial.rebalance.delay.ms). */
const INITIAL_DELAY_MS = 50;

class Group {
  state: State = 'empty';
  generation = 0;
  leader = '';
  protocol = '';
  readonly members = new Map<string, Member>();
  private completeTimer: NodeJS.Timeout | undefined;

  constructor(readonly id: string) {}

  join(req: JoinRequest): Promise<JoinResult> {
    const now = Date.now();
    let member = req.memberId ? this.members.get(req.memberId) : undefined;
    if (req.memberId && !member) return Promise.resolve(joinError(ERROR.UNKNOWN_MEMBER_ID, req.memberId));
    if (!member) {
      member = { id: `${randomUUID()}`, groupInstanceId: req.groupInstanceId, protocols: req.protocols, sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, lastSeen: now, assignment: Buffer.alloc(0) };
      this.members.set(member.id, member);
    }
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.lastSeen = now;
    const m = member;
    const result = new Promise<JoinResult>((resolve) => (m.pendingJoin = resolve));
    this.prepareRebalance();
    this.maybeComplete();
    return result;
  }

  private prepareRebalance(): void {
    if (this.state === 'preparing') return;
    this.state = 'preparing';
    // Members waiting in SyncGroup of the old generation must rejoin.
    for (const m of this.members.values()) {
      m.pendingSync?.({ errorCode: ERROR.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
      delete m.pendingSync;
    }
    const timeout = Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
    clearTimeout(this.completeTimer);
    // Members that do not rejoin within the rebalance timeout are dropped.
    this.completeTimer = setTimeout(() => {
      for (const m of [...this.members.values()]) if (!m.pendingJoin) this.members.delete(m.id);
      this.complete();
    }, timeout);
  }

  private maybeComplete(): void {
    if (this.state !== 'preparing') return;
    if ([...this.members.values()].every((m) => m.pendingJoin)) {
      clearTimeout(this.completeTimer);
      this.completeTimer = setTimeout(() => this.complete(), INITIAL_DELAY_MS);
    }
  }

  private complete(): void {
    if (this.state !== 'preparing') return;
    const joined = [...this.members.values()].filter((m) => m.pendingJoin);
    if (joined.length === 0) {
      this.state = 'empty';
      return;
    }
    this.generation++;
    this.state = 'completing';
    if (!this.members.has(this.leader)) this.leader = joined[0]!.id;
    // The first protocol of the leader that every member supports.
    const leader = this.members.get(this.leader)!;
    this.protocol = leader.protocols.find((p) => joined.every((m) => m.protocols.some((q) => q.name === p.name)))?.name ?? leader.protocols[0]?.name ?? '';
    for (const m of joined) {
      const resolve = m.pendingJoin!;
      delete m.pendingJoin;
      resolve({
        errorCode: ERROR.NONE,
        generationId: this.generation,
        protocolName: this.protocol,
        leaderId: this.leader,
        memberId: m.id,
        members: m.id === this.leader ? joined.map((x) => ({ memberId: x.id, groupInstanceId: x.groupInstanceId, metadata: x.protocols.find((p) => p.name === this.protocol)?.metadata ?? Buffer.alloc(0) })) : [],
      });
    }
  }

  sync(memberId: string, generation: number, assignments: readonly { memberId: string; assignment: Buffer }[]): Promise<SyncResult> {
    const m = this.members.get(memberId);
    if (!m) return Promise.resolve({ errorCode: ERROR.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) });
    if (generation !== this.generation) return Promise.resolve({ errorCode: ERROR.ILLEGAL_GENERATION, assignment: Buffer.alloc(0) });
    if (this.state === 'preparing') return Promise.resolve({ errorCode: ERROR.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
    m.lastSeen = Date.now();
    if (this.state === 'stable') return Promise.resolve({ errorCode: ERROR.NONE, assignment: m.assignment });
    const result = new Promise<SyncResult>((resolve) => (m.pendingSync = resolve));
    if (memberId === this.leader) {
      for (const x of this.members.values()) x.assignment = Buffer.alloc(0);
      for (const a of assignments) {
        const x = this.members.get(a.memberId);
        if (x) x.assignment = a.assignment;
      }
      this.state = 'stable';
      for (const x of this.members.values()) {
        x.pendingSync?.({ errorCode: ERROR.NONE, assignment: x.assignment });
        delete x.pendingSync;
      }
    }
    return result;
  }

  heartbeat(memberId: string, generation: number): number {
    const m = this.members.get(memberId);
    if (!m) return ERROR.UNKNOWN_MEMBER_ID;
    m.lastSeen = Date.now();
    if (this.state === 'preparing') return ERROR.REBALANCE_IN_PROGRESS;
    if (generation !== this.generation) return ERROR.ILLEGAL_GENERATION;
    return ERROR.NONE;
  }

  leave(memberId: string): number {
    if (!this.members.delete(memberId)) return ERROR.UNKNOWN_MEMBER_ID;
    if (memberId === this.leader) this.leader = '';
    this.afterRemoval();
    return ERROR.NONE;
  }

  /** Drops members whose session timed out. */
  expire(now: number): void {
    let removed = false;
    for (const m of [...this.members.values()]) {
      if (!m.pendingJoin && now - m.lastSeen > m.sessionTimeoutMs) {
        this.members.delete(m.id);
        removed = true;
      }
    }
    if (removed) this.afterRemoval();
  }

  private afterRemoval(): void {
    if (this.members.size === 0) {
      clearTimeout(this.completeTimer);
      this.state = 'empty';
      return;
    }
    if (this.state === 'preparing') this.maybeComplete();
    else this.prepareRebalance();
  }

  close(): void {
    clearTimeout(this.completeTimer);
  }
}

function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leaderId: '', memberId, members: [] };
}

export interface CommittedOffset {
  readonly offset: bigint;
  readonly metadata: string | null;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly offsets = new Map<string, Map<string, CommittedOffset>>();
  private readonly expiry = setInterval(() => {
    const now = Date.now();
    for (const g of this.groups.values()) g.expire(now);
  }, 200);

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) this.groups.set(id, (g = new Group(id)));
    return g;
  }

  join(groupId: string, req: JoinRequest): Promise<JoinResult> {
    return this.group(groupId).join(req);
  }
  sync(groupId: string, memberId: string, generation: number, assignments: readonly { memberId: string; assignment: Buffer }[]): Promise<SyncResult> {
    return this.group(groupId).sync(memberId, generation, assignments);
  }
  heartbeat(groupId: string, memberId: string, generation: number): number {
    return this.group(groupId).heartbeat(memberId, generation);
  }
  leave(groupId: string, memberId: string): number {
    return this.group(groupId).leave(memberId);
  }

  /** Offsets are accepted from members of the current generation, or from a group with no members (admin/simple consumers: generation -1). */
  commitOffset(groupId: string, memberId: string, generation: number, topic: string, partition: number, offset: CommittedOffset): number {
    const g = this.group(groupId);
    if (generation >= 0) {
      if (!g.members.has(memberId)) return ERROR.UNKNOWN_MEMBER_ID;
      if (generation !== g.generation) return ERROR.ILLEGAL_GENERATION;
    }
    let byPartition = this.offsets.get(groupId);
    if (!byPartition) this.offsets.set(groupId, (byPartition = new Map()));
    byPartition.set(`${topic}\0${partition}`, offset);
    return ERROR.NONE;
  }

  fetchOffset(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(`${topic}\0${partition}`);
  }

  /** The partitions a group has committed offsets for (OffsetFetch with all topics). */
  committedPartitions(groupId: string): { topic: string; partition: number }[] {
    return [...(this.offsets.get(groupId)?.keys() ?? [])].map((k) => {
      const [topic, p] = k.split('\0');
      return { topic: topic!, partition: Number(p) };
    });
  }

  close(): void {
    clearInterval(this.expiry);
    for (const g of this.groups.values()) g.close();
  }
}
