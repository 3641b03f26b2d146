// Sends events with the npm @fluent-org/logger client and waits for every ack.
// Usage: node node-client.js '{"port":24224,"mode":"CompressedPackedForward","count":10,"sharedKey":"k",
//                             "username":"u","password":"p","ca":"/path/ca.pem","cert":"...","key":"..."}'
const fs = require("fs");
const { FluentClient, EventTime } = require("@fluent-org/logger");

const o = JSON.parse(process.argv[2]);
const socket = { host: "127.0.0.1", port: o.port, disableReconnect: true };
if (o.ca) {
  socket.tls = { ca: fs.readFileSync(o.ca), servername: "localhost" };
  if (o.cert) {
    socket.tls.cert = fs.readFileSync(o.cert);
    socket.tls.key = fs.readFileSync(o.key);
  }
}
const options = { eventMode: o.mode || "PackedForward", socket, ack: { ackTimeout: 10000 } };
if (o.sharedKey) {
  options.security = { clientHostname: "node.client", sharedKey: o.sharedKey, username: o.username, password: o.password };
}
const client = new FluentClient("node", options);

async function main() {
  // With reconnects off (so a refused handshake ends the run) the client does not connect by itself.
  await client.connect();
  const sends = [];
  for (let i = 0; i < (o.count || 1); i++) {
    sends.push(client.emit("app", { message: "node event " + i, i: i, level: "INFO" }, new EventTime(1700000000 + i, 1000 + i)));
  }
  await Promise.all(sends);
  console.log("acked " + sends.length);
  await client.disconnect();
}

let finished = false;
process.on("exit", () => {
  if (!finished) {
    // The event loop ran dry with events neither acked nor failed: the server closed on us.
    console.log("failed: connection closed before every event was acked");
    process.exitCode = 4;
  }
});

main().then(() => { finished = true; }).then(() => process.exit(0), (err) => {
  console.log("failed " + (err && (err.name + ": " + err.message)));
  process.exit(3);
});
