// bench/crdt load driver: N editors × M updates through one y-websocket server.
// Usage: node load.mjs '<json {url, room, token, editors, updates, intervalMs}>'
// Prints one JSON line: propagation latencies (ms) and time to convergence.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

const cfg = JSON.parse(process.argv[2])
const N = cfg.editors, M = cfg.updates
const sentAt = new Map() // marker → ms
const latencies = []
const clients = []
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// Markers are found in the update each remote transaction integrated (Y.decodeUpdate,
// O(size of the change)). Reading `event.delta` instead walks the whole text on every
// remote update: O(text) per update, O(N²·M²) in all, so the driver's own CPU — not
// the server — set the convergence time (258 s against the reference in one run).
const MARKER = /<(\d+):(\d+)>/g
for (let i = 0; i < N; i++) {
  const doc = new Y.Doc()
  const text = doc.getText('content')
  const seen = new Set()
  doc.on('update', (update, _origin, _doc, tr) => {
    if (tr.local) return
    const now = performance.now()
    for (const struct of Y.decodeUpdate(update).structs) {
      const str = struct.content && struct.content.str
      if (typeof str !== 'string') continue
      for (const m of str.matchAll(MARKER)) {
        const key = m[0]
        if (seen.has(key)) continue
        seen.add(key)
        const t = sentAt.get(key)
        if (t !== undefined) latencies.push(now - t)
      }
    }
  })
  const provider = new WebsocketProvider(cfg.url, cfg.room, doc, {
    WebSocketPolyfill: WebSocket, params: cfg.token ? { token: cfg.token } : {}, disableBc: true,
  })
  clients.push({ doc, text, provider, seen })
}
while (!clients.every((c) => c.provider.synced)) await sleep(10)

const start = performance.now()
let lastSent = start
await Promise.all(clients.map(async (c, i) => {
  for (let n = 0; n < M; n++) {
    const marker = `<${i}:${n}>`
    lastSent = performance.now()
    sentAt.set(marker, lastSent)
    c.text.insert(c.text.length, marker)
    await sleep(cfg.intervalMs ?? 5)
  }
}))
const sendMs = performance.now() - start
const expected = N * M
const deadline = performance.now() + 120000
let converged = null
while (performance.now() < deadline) {
  // every client holds every marker (its own + all remote) and all texts are equal
  const ok = clients.every((c) => c.seen.size === expected - M) &&
    clients.every((c) => c.text.length === clients[0].text.length)
  if (ok) { converged = performance.now(); break }
  await sleep(5)
}
const final = clients.map((c) => c.text.toString())
const allEqual = final.every((t) => t === final[0])
const markers = (final[0].match(/<\d+:\d+>/g) || []).length
latencies.sort((a, b) => a - b)
const q = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null
process.stdout.write(JSON.stringify({
  editors: N, updates: M, received: latencies.length, expectedReceived: N * (N - 1) * M,
  p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? null,
  // convergenceMs: first insert → every client holds every marker (includes the send phase,
  // which the driver paces: 500 x 5 ms ≥ 2.5 s); settleMs: last insert → converged.
  sendMs, convergenceMs: converged === null ? null : converged - start,
  settleMs: converged === null ? null : converged - lastSent,
  converged: converged !== null && allEqual, markers, lost: expected - markers,
}) + '\n')
for (const c of clients) c.provider.destroy()
setTimeout(() => process.exit(0), 100)
