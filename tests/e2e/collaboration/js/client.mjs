// A real yjs@13 + y-websocket@3 client driven by the Racine tests.
// Usage: node client.mjs '<json config>'; prints one JSON line with the outcome.
// config: {url, room, token, insert?, expect?: [str], awareness?: object,
//          waitPeers?: n, timeoutMs?, holdMs?}
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

const cfg = JSON.parse(process.argv[2])
const doc = new Y.Doc()
const text = doc.getText('content')
let denied = false
const warn = console.warn
console.warn = (...args) => {
  if (String(args[0]).includes('Permission denied')) denied = true
  else warn(...args)
}
const provider = new WebsocketProvider(cfg.url, cfg.room, doc, {
  WebSocketPolyfill: WebSocket,
  params: { token: cfg.token },
  disableBc: true,
})
const peers = new Map()
provider.awareness.on('change', () => {
  for (const [id, state] of provider.awareness.getStates()) {
    if (id !== doc.clientID) peers.set(id, state)
  }
})
if (cfg.awareness) provider.awareness.setLocalState(cfg.awareness)

const deadline = Date.now() + (cfg.timeoutMs ?? 40000)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const finish = (ok, extra = {}) => {
  process.stdout.write(JSON.stringify({
    ok, text: text.toString(), denied, peers: [...peers.values()], ...extra,
  }) + '\n')
  provider.destroy()
  setTimeout(() => process.exit(ok ? 0 : 1), 50)
}

while (!provider.synced) {
  if (Date.now() > deadline) finish(false, { reason: 'never synced' })
  await sleep(20)
}
if (cfg.insert) {
  const at = cfg.insertAt === 'start' ? 0 : text.length
  text.insert(at, cfg.insert)
}
const expected = cfg.expect ?? []
while (Date.now() < deadline) {
  const current = text.toString()
  const seen = expected.every((e) => current.includes(e))
  const enough = peers.size >= (cfg.waitPeers ?? 0)
  const refused = !cfg.expectDenied || denied
  if (seen && enough && refused) {
    await sleep(cfg.holdMs ?? 0)
    finish(true)
    break
  }
  await sleep(20)
}
if (Date.now() >= deadline) finish(false, { reason: 'timeout' })
