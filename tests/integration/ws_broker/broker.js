// The aedes MQTT broker behind a WebSocket listener (the ws package) on 127.0.0.1, for tern's
// ws:// tests. Listens on the port given as the first argument (0: any free port) and prints
// "port N" once it accepts connections. Every HTTP path is accepted; the subprotocol the
// client asks for is echoed (ws's default), as MQTT brokers do with "mqtt".
'use strict'
const http = require('node:http')
const aedes = require('aedes')()
const { WebSocketServer, createWebSocketStream } = require('ws')

const server = http.createServer()
const wss = new WebSocketServer({ server })
wss.on('connection', (socket, req) => {
  aedes.handle(createWebSocketStream(socket), req)
})
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`port ${server.address().port}`)
})
process.on('SIGTERM', () => process.exit(0))
