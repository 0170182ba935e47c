import { describe, expect, it } from "vitest";
import type { WorkflowDocument } from "@/lib/api/types";
import { applyOperation, type Operation } from "@/features/document/operations";
import { pipeline } from "@/features/document/testing";
import {
  addLocal,
  createSession,
  disconnected,
  markSending,
  needsResync,
  nextToSend,
  pendingOperations,
  receiveApplied,
  receiveOutcome,
  receiveSnapshot,
  sendFailed,
  shownDocument,
  takeRefusals,
  GAP_TIMEOUT_MS,
  type AppliedEvent,
  type Session,
} from "./session";

const move = (id: string, x: number): Operation => ({ kind: "moveNode", id, position: { x, y: 0 } });
const setField = (id: string, field: string, value: unknown): Operation => ({ kind: "updateConfig", id, path: [field], value });
const event = (version: number, op: Operation, clientId = "other", seq = version): AppliedEvent => ({ workflowId: "w", version, clientId, seq, userId: "u", op });

function joined(version = 5, doc: WorkflowDocument = pipeline()): Session {
  return receiveSnapshot(createSession("me"), { version, document: doc }, 0);
}

/** Sends the next operation and returns the message and the session with it in flight. */
function send(s: Session) {
  const msg = nextToSend(s);
  if (!msg) throw new Error("nothing to send");
  return { msg, s: markSending(s, msg.seq) };
}

const config = (doc: WorkflowDocument | null, id: string) => doc?.spec.tasks.find((t) => t.id === id)?.config;

describe("collaboration session", () => {
  it("shows remote operations underneath local ones the server has not confirmed yet", () => {
    let s = addLocal(joined(), setField("filter", "condition", "amount > 10"));
    s = receiveApplied(s, event(6, setField("extract", "path", "b.csv")), 0);
    s = receiveApplied(s, event(7, setField("filter", "condition", "amount > 1")), 0);
    expect(s.confirmedVersion).toBe(7);
    const shown = shownDocument(s);
    expect(config(shown, "extract")).toEqual({ path: "b.csv" });
    // Ours is still on its way: the server will order it after theirs, so it wins; the page shows that already.
    expect(config(shown, "filter")).toEqual({ condition: "amount > 10" });
    expect(config(s.confirmed, "filter")).toEqual({ condition: "amount > 1" });
  });

  it("drops a pending operation when its own event arrives and keeps the later ones", () => {
    let s = addLocal(joined(), move("extract", 10));
    s = addLocal(s, setField("filter", "condition", "x"));
    const first = send(s);
    s = receiveOutcome(first.s, first.msg.seq, { accepted: true, version: 6, duplicate: false });
    expect(nextToSend(s)?.op).toEqual(setField("filter", "condition", "x"));
    s = receiveApplied(s, event(6, move("extract", 10), "me", first.msg.seq), 0);
    expect(pendingOperations(s)).toEqual([setField("filter", "condition", "x")]);
    expect(s.confirmed?.layout.nodes.extract).toEqual({ x: 10, y: 0 });
  });

  it("keeps one Apply in flight and sends the next once it is answered", () => {
    let s = addLocal(addLocal(joined(), move("extract", 1)), setField("filter", "a", 1));
    const first = send(s);
    expect(nextToSend(first.s)).toBeNull();
    s = receiveOutcome(first.s, first.msg.seq, { accepted: true, version: 6 });
    expect(nextToSend(s)?.seq).toBe(first.msg.seq + 1);
    expect(nextToSend(s)?.baseVersion).toBe(5);
  });

  it("coalesces consecutive unsent changes of one field or one node's position", () => {
    let s = joined();
    for (const v of ["a", "am", "amo"]) s = addLocal(s, setField("filter", "condition", v));
    s = addLocal(s, move("extract", 1));
    s = addLocal(s, move("extract", 2));
    s = addLocal(s, setField("filter", "other", 1));
    s = addLocal(s, { kind: "updateSettings", changes: { name: "S" } });
    s = addLocal(s, { kind: "updateSettings", changes: { name: "Sales" } });
    expect(pendingOperations(s)).toEqual([setField("filter", "condition", "amo"), move("extract", 2), setField("filter", "other", 1), { kind: "updateSettings", changes: { name: "Sales" } }]);
    // Once the first is on its way, typing more becomes a new operation instead of changing the one sent.
    let t = addLocal(joined(), setField("filter", "condition", "a"));
    t = markSending(t, nextToSend(t)!.seq);
    t = addLocal(t, setField("filter", "condition", "ab"));
    expect(pendingOperations(t)).toEqual([setField("filter", "condition", "a"), setField("filter", "condition", "ab")]);
  });

  it("holds events that arrive ahead of a gap and applies them in version order once it fills", () => {
    let s = joined();
    s = receiveApplied(s, event(8, setField("extract", "path", "8.csv")), 100);
    s = receiveApplied(s, event(7, setField("extract", "path", "7.csv")), 200);
    expect(s.confirmedVersion).toBe(5);
    expect(s.held.map((e) => e.version)).toEqual([7, 8]);
    expect(needsResync(s, 100 + GAP_TIMEOUT_MS - 1)).toBe(false);
    s = receiveApplied(s, event(6, setField("extract", "path", "6.csv")), 300);
    expect(s.confirmedVersion).toBe(8);
    expect(config(s.confirmed, "extract")).toEqual({ path: "8.csv" });
    expect(s.held).toEqual([]);
    expect(needsResync(s, 10_000)).toBe(false);
  });

  it("asks to join again when a gap stays open for a second", () => {
    let s = receiveApplied(joined(), event(7, move("extract", 7)), 1000);
    expect(needsResync(s, 1000 + GAP_TIMEOUT_MS - 1)).toBe(false);
    expect(needsResync(s, 1000 + GAP_TIMEOUT_MS)).toBe(true);
    // The snapshot covers version 7 and more: the held event is dropped, nothing is applied twice.
    const atSeven = applyOperation(pipeline(), move("extract", 7));
    if (!atSeven.ok) throw new Error(atSeven.reason);
    s = receiveSnapshot(s, { version: 7, document: atSeven.doc }, 2500);
    expect(s.held).toEqual([]);
    expect(needsResync(s, 99_999)).toBe(false);
    expect(s.confirmed?.layout.nodes.extract).toEqual({ x: 7, y: 0 });
  });

  it("ignores duplicated and stale events", () => {
    let s = joined();
    const add: Operation = { kind: "addNode", task: { id: "extra", type: "transform.filter", config: {}, dependsOn: ["extract"] }, position: { x: 0, y: 0 } };
    s = receiveApplied(s, event(6, add), 0);
    const once = s;
    s = receiveApplied(s, event(6, add), 0);
    s = receiveApplied(s, event(4, move("extract", 4)), 0);
    expect(s).toBe(once);
    // A duplicate of a held future event is held once.
    s = receiveApplied(s, event(8, move("extract", 8)), 0);
    s = receiveApplied(s, event(8, move("extract", 8)), 0);
    expect(s.held).toHaveLength(1);
    expect(s.diverged).toBe(false);
  });

  it("drops a refused operation, reports why, and the page no longer shows it", () => {
    let s = addLocal(joined(), { kind: "addEdge", source: "extract", target: "export" });
    const sent = send(s);
    // Someone deleted the target before ours reached the server.
    s = receiveApplied(sent.s, event(6, { kind: "deleteNode", id: "export" }), 0);
    s = receiveOutcome(s, sent.msg.seq, { accepted: false, reason: 'Task "export" no longer exists.' });
    expect(s.pending).toEqual([]);
    const [after, reasons] = takeRefusals(s);
    expect(reasons).toEqual(['Task "export" no longer exists.']);
    expect(after.refusals).toEqual([]);
    expect(shownDocument(after)?.spec.tasks.map((t) => t.id)).toEqual(["extract", "filter"]);
  });

  it("after a reconnect sends again what was in flight and drops what the new snapshot already contains", () => {
    let s = addLocal(joined(), move("extract", 1));
    s = addLocal(s, setField("filter", "condition", "b"));
    s = addLocal(s, setField("filter", "x", 3));
    const a = send(s);
    s = receiveOutcome(a.s, a.msg.seq, { accepted: true, version: 6 });
    const b = send(s);
    s = disconnected(b.s);
    expect(nextToSend(s)).toBeNull();
    // While offline the user keeps working.
    s = addLocal(s, move("export", 9));
    // The server had applied the first (version 6) and the second (version 7) before the connection dropped.
    let doc = pipeline();
    for (const op of [move("extract", 1), setField("filter", "condition", "b")]) {
      const r = applyOperation(doc, op);
      if (r.ok) doc = r.doc;
    }
    s = receiveSnapshot(s, { version: 7, document: doc }, 0);
    expect(pendingOperations(s)).toEqual([setField("filter", "condition", "b"), setField("filter", "x", 3), move("export", 9)]);
    const again = send(s);
    expect(again.msg.seq).toBe(b.msg.seq);
    s = receiveOutcome(again.s, again.msg.seq, { accepted: true, version: 7, duplicate: true });
    expect(pendingOperations(s)).toEqual([setField("filter", "x", 3), move("export", 9)]);
    expect(config(shownDocument(s), "filter")).toEqual({ condition: "b", x: 3 });
  });

  it("drops an accepted operation that changed nothing once the confirmed version reaches the one it was answered with", () => {
    let s = addLocal(joined(), setField("filter", "condition", "amount > 0"));
    const a = send(s);
    // Someone else's change (version 6) is on its way to us; ours changed nothing at that version, so no event follows.
    s = receiveOutcome(a.s, a.msg.seq, { accepted: true, version: 6, duplicate: false, changed: false });
    expect(s.pending).toHaveLength(1);
    s = receiveApplied(s, event(6, move("extract", 6)), 0);
    expect(s.pending).toEqual([]);
    expect(shownDocument(s)).toEqual(s.confirmed);
  });

  it("a failed send is retried after the next snapshot", () => {
    let s = addLocal(joined(), move("extract", 1));
    const a = send(s);
    s = sendFailed(disconnected(a.s), a.msg.seq);
    expect(nextToSend(s)).toBeNull();
    s = receiveSnapshot(s, { version: 5, document: pipeline() }, 0);
    expect(nextToSend(s)?.seq).toBe(a.msg.seq);
  });

  it("holds events that arrive before the first snapshot and applies those after it", () => {
    let s = createSession("me");
    s = receiveApplied(s, event(5, move("extract", 5)), 0);
    s = receiveApplied(s, event(6, move("extract", 6)), 0);
    expect(needsResync(s, 99_999)).toBe(false);
    s = receiveSnapshot(s, { version: 5, document: pipeline() }, 0);
    expect(s.confirmedVersion).toBe(6);
    expect(s.confirmed?.layout.nodes.extract).toEqual({ x: 6, y: 0 });
  });

  it("asks for a snapshot when an event does not apply to its copy of the document", () => {
    const s = receiveApplied(joined(), event(6, { kind: "deleteNode", id: "nope" }), 0);
    expect(s.diverged).toBe(true);
    expect(needsResync(s, 0)).toBe(true);
  });
});

// ---- Convergence: several clients and an in-memory server that orders operations with applyOperation ----

/** A small deterministic random source (mulberry32), so a failing seed can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Server {
  doc: WorkflowDocument = pipeline();
  version = 1;
  private outcomes = new Map<string, { accepted: true; version: number; changed?: boolean } | { accepted: false; reason: string }>();
  constructor(private broadcast: (e: AppliedEvent) => void) {}
  snapshot() {
    return { version: this.version, document: this.doc };
  }
  apply(m: { clientId: string; seq: number; op: Operation }) {
    const key = `${m.clientId}:${m.seq}`;
    const seen = this.outcomes.get(key);
    if (seen) return seen.accepted ? { ...seen, duplicate: true } : seen;
    const r = applyOperation(this.doc, m.op);
    if (!r.ok) {
      const refused = { accepted: false as const, reason: r.reason };
      this.outcomes.set(key, refused);
      return refused;
    }
    if (JSON.stringify(r.doc) === JSON.stringify(this.doc)) {
      // Like the real hub: nothing changed, so no version and no event.
      const unchanged = { accepted: true as const, version: this.version };
      this.outcomes.set(key, unchanged);
      return { ...unchanged, duplicate: false, changed: false };
    }
    this.doc = r.doc;
    this.version++;
    const accepted = { accepted: true as const, version: this.version };
    this.outcomes.set(key, accepted);
    this.broadcast({ workflowId: "w", version: this.version, clientId: m.clientId, seq: m.seq, userId: m.clientId, op: m.op });
    return { ...accepted, duplicate: false };
  }
}

interface SimClient {
  session: Session;
  inbox: AppliedEvent[];
  /** An Apply on its way: delivered to the server later, its answer later still. */
  inFlight: { seq: number; message: { clientId: string; seq: number; op: Operation }; answer?: ReturnType<Server["apply"]> } | null;
  online: boolean;
}

function randomOp(rnd: () => number, doc: WorkflowDocument): Operation {
  const ids = doc.spec.tasks.map((t) => t.id);
  const any = () => ids[Math.floor(rnd() * ids.length)] ?? "extract";
  const names = ["a", "b", "c", "d"];
  switch (Math.floor(rnd() * 7)) {
    case 0:
      return { kind: "addNode", task: { id: `n_${names[Math.floor(rnd() * names.length)]}`, type: "transform.filter", config: {}, dependsOn: rnd() < 0.5 ? [any()] : [] }, position: { x: Math.round(rnd() * 500), y: 0 } };
    case 1:
      return { kind: "deleteNode", id: any() };
    case 2:
      return { kind: "moveNode", id: any(), position: { x: Math.round(rnd() * 500), y: Math.round(rnd() * 500) } };
    case 3:
      return { kind: "updateConfig", id: any(), path: [names[Math.floor(rnd() * 2)] ?? "a"], value: Math.round(rnd() * 9) };
    case 4:
      return { kind: "addEdge", source: any(), target: any() };
    case 5: {
      const t = doc.spec.tasks.find((x) => x.dependsOn.length > 0);
      return t ? { kind: "deleteEdge", source: t.dependsOn[0] ?? "", target: t.id } : { kind: "updateSettings", changes: { retries: Math.floor(rnd() * 5) } };
    }
    default:
      return { kind: "updateSettings", changes: { name: `Name ${Math.floor(rnd() * 3)}` } };
  }
}

function simulate(seed: number, clients = 3, steps = 400) {
  const rnd = random(seed);
  const sims: SimClient[] = [];
  const server = new Server((e) => sims.forEach((c) => c.online && c.inbox.push(e)));
  for (let i = 0; i < clients; i++) {
    sims.push({ session: receiveSnapshot(createSession(`c${i}`), server.snapshot(), 0), inbox: [], inFlight: null, online: true });
  }
  let now = 0;
  const pump = (c: SimClient) => {
    const m = nextToSend(c.session);
    if (!m || !c.online) return;
    c.session = markSending(c.session, m.seq);
    c.inFlight = { seq: m.seq, message: m };
  };
  const rejoin = (c: SimClient) => {
    c.session = receiveSnapshot(c.session, server.snapshot(), now);
  };
  for (let step = 0; step < steps; step++) {
    now += 50;
    const c = sims[Math.floor(rnd() * sims.length)] as SimClient;
    const roll = rnd();
    if (roll < 0.3 && c.online) {
      // The user makes a change on what the page shows.
      const doc = shownDocument(c.session) ?? pipeline();
      const op = randomOp(rnd, doc);
      if (applyOperation(doc, op).ok) c.session = addLocal(c.session, op);
    } else if (roll < 0.55 && c.inbox.length > 0) {
      // Deliver one event, not necessarily the oldest, sometimes twice.
      const i = Math.floor(rnd() * Math.min(3, c.inbox.length));
      const [e] = c.inbox.splice(i, 1);
      if (e) {
        c.session = receiveApplied(c.session, e, now);
        if (rnd() < 0.1) c.session = receiveApplied(c.session, e, now);
      }
    } else if (roll < 0.7 && c.inFlight && !c.inFlight.answer) {
      c.inFlight.answer = server.apply(c.inFlight.message);
    } else if (roll < 0.85 && c.inFlight?.answer) {
      c.session = receiveOutcome(c.session, c.inFlight.seq, c.inFlight.answer);
      c.session = takeRefusals(c.session)[0];
      c.inFlight = null;
    } else if (roll < 0.88 && c.online) {
      // The connection drops: the answer (and maybe the request) is lost, so are undelivered events.
      if (c.inFlight && rnd() < 0.5) server.apply(c.inFlight.message);
      c.inFlight = null;
      c.inbox = [];
      c.online = false;
      c.session = disconnected(c.session);
    } else if (roll < 0.95 && !c.online) {
      c.online = true;
      rejoin(c);
    }
    if (c.online) {
      if (needsResync(c.session, now)) rejoin(c);
      if (!c.inFlight) pump(c);
    }
  }
  // Let everything settle: everyone comes back online and the network delivers in order.
  for (const c of sims) {
    if (!c.online) {
      c.online = true;
      rejoin(c);
    }
  }
  for (let round = 0; round < 1000 && sims.some((c) => c.inFlight || c.inbox.length || c.session.pending.length || c.session.held.length); round++) {
    now += 2000;
    for (const c of sims) {
      if (c.inFlight) {
        const answer = c.inFlight.answer ?? server.apply(c.inFlight.message);
        c.session = receiveOutcome(c.session, c.inFlight.seq, answer);
        c.inFlight = null;
      }
      for (const e of c.inbox.splice(0)) c.session = receiveApplied(c.session, e, now);
      if (needsResync(c.session, now)) rejoin(c);
      pump(c);
    }
  }
  return { server, sims };
}

describe("collaboration convergence", () => {
  for (const seed of [1, 2, 3, 42, 1234, 99991]) {
    it(`clients end with the server's document (seed ${seed})`, () => {
      const { server, sims } = simulate(seed);
      expect(server.version).toBeGreaterThan(10);
      for (const c of sims) {
        expect(c.session.pending).toEqual([]);
        expect(c.session.confirmedVersion).toBe(server.version);
        expect(shownDocument(c.session)).toEqual(server.doc);
      }
    });
  }
});
