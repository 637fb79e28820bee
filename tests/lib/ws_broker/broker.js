// The aedes MQTT broker behind a WebSocket listener (the ws package) on 127.0.0.1, for tern's
// ws:// and wss:// tests: node broker.js PORT [CERT KEY]. PORT 0 takes any free port; with a
// certificate and key the listener is HTTPS (wss://). Prints "port N" once it accepts
// connections. Every HTTP path is accepted; the subprotocol the client asks for is echoed
// (ws's default), as MQTT brokers do with "mqtt".
'use strict'
const fs = require('node:fs')
const http = require('node:http')
const https = require('node:https')
const aedes = require('aedes')()
const { WebSocketServer, createWebSocketStream } = require('ws')

const [port, cert, key] = process.argv.slice(2)
const server = cert
  ? https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) })
  : http.createServer()
const wss = new WebSocketServer({ server })
wss.on('connection', (socket, req) => {
  aedes.handle(createWebSocketStream(socket), req)
})
server.listen(Number(port || 0), '127.0.0.1', () => {
  console.log(`port ${server.address().port}`)
})
process.on('SIGTERM', () => process.exit(0))
