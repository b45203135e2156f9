import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { repairContentLength, WebSocketStompSocket } from "../../src/broker/websocket_socket.ts";
import type { TcpSocketCloseEvent } from "../../src/broker/tcp_socket.ts";

/** A real WebSocket server (Deno's) on a free port of 127.0.0.1. */
function serveWebSocket(onSocket: (socket: WebSocket, protocols: string) => void) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname !== "/ws") return new Response("not here", { status: 404 });
    const protocols = request.headers.get("sec-websocket-protocol") ?? "";
    const { socket, response } = Deno.upgradeWebSocket(request, { protocol: "v12.stomp" });
    onSocket(socket, protocols);
    return response;
  });
  return { url: `ws://127.0.0.1:${server.addr.port}/ws`, server };
}

function open(url: string) {
  const socket = new WebSocketStompSocket(url, { protocols: ["v12.stomp", "v11.stomp"] });
  const opened = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<TcpSocketCloseEvent>();
  const errors: string[] = [];
  const chunks: Uint8Array[] = [];
  socket.onopen = () => opened.resolve();
  socket.onmessage = (event) => chunks.push(new Uint8Array(event.data));
  socket.onerror = (event) => errors.push(event.message);
  socket.onclose = (event) => closed.resolve(event);
  return { socket, opened: opened.promise, closed: closed.promise, errors, chunks };
}

Deno.test("WebSocketStompSocket: handshake, text and binary both ways, large frames, clean close", async () => {
  const serverGot: (string | Uint8Array)[] = [];
  const serverClosed = Promise.withResolvers<void>();
  const big = new Uint8Array(200_000).map((_, i) => i % 256);
  let requestProtocol = "";
  const { url, server } = serveWebSocket((ws, protocols) => {
    requestProtocol = protocols;
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => {
      serverGot.push(typeof event.data === "string" ? event.data : new Uint8Array(event.data));
      if (serverGot.length === 3) {
        ws.send("héllo");
        ws.send(big);
        ws.send(new Uint8Array(0)); // empty messages are skipped
        ws.send("x".repeat(70_000)); // over 65535 bytes: the 64-bit length form
      }
    };
    ws.onclose = () => serverClosed.resolve();
  });
  try {
    const client = open(url);
    await client.opened;
    assertEquals(requestProtocol, "v12.stomp, v11.stomp");
    client.socket.send("CONNECT\n\n\0");
    client.socket.send(new Uint8Array([0, 255, 1]));
    client.socket.send("y".repeat(100_000));
    await waitUntil(() => client.chunks.length === 3);
    assertEquals(serverGot[0], "CONNECT\n\n\0");
    assertEquals(serverGot[1], new Uint8Array([0, 255, 1]));
    assertEquals(serverGot[2], "y".repeat(100_000));
    assertEquals(new TextDecoder().decode(client.chunks[0]), "héllo");
    assertEquals(client.chunks[1], big);
    assertEquals(client.chunks[2].length, 70_000);
    client.socket.close();
    const event = await client.closed;
    assertEquals(event.wasClean, true);
    assertEquals(event.code, 1000);
    await serverClosed.promise;
    assertEquals(client.errors, []);
  } finally {
    await server.shutdown();
  }
});

Deno.test("WebSocketStompSocket: text frames that are not UTF-8 reach onmessage as bytes", async () => {
  // Deno's server cannot send invalid UTF-8 as text, so this server speaks raw RFC 6455.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(4096);
    const n = (await conn.read(buffer))!;
    const request = new TextDecoder().decode(buffer.subarray(0, n));
    const key = /Sec-WebSocket-Key: (.*)\r\n/.exec(request)![1];
    const digest = await crypto.subtle.digest(
      "SHA-1",
      new TextEncoder().encode(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
    );
    const accept = btoa(String.fromCharCode(...new Uint8Array(digest)));
    const answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" +
      `Connection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
    // Answer, a ping, and a text frame in two fragments, all in one write.
    await conn.write(
      new Uint8Array([
        ...new TextEncoder().encode(answer),
        0x89,
        0x01,
        0x2a, // ping "*"
        0x01,
        0x02,
        0xff,
        0xfe, // text, not final
        0x80,
        0x02,
        0x00,
        0x41, // continuation, final
      ]),
    );
    const pong = new Uint8Array(64);
    const m = (await conn.read(pong))!;
    conn.close();
    listener.close();
    return pong.subarray(0, m);
  })();
  const client = open(`ws://127.0.0.1:${listener.addr.port}/`);
  await client.opened;
  const pong = await serving;
  await client.closed;
  assertEquals(client.chunks, [new Uint8Array([0xff, 0xfe, 0x00, 0x41])]);
  // A masked pong carrying the ping's payload.
  assertEquals(pong[0], 0x8a);
  assertEquals(pong[1], 0x81);
  assertEquals(pong[6] ^ pong[2], 0x2a);
});

Deno.test("WebSocketStompSocket: a refused handshake fails with the HTTP status", async () => {
  const { url, server } = serveWebSocket(() => {});
  try {
    const client = open(url.replace("/ws", "/wrong"));
    const event = await client.closed;
    assertEquals(event.wasClean, false);
    assert(/404/.test(client.errors[0]), client.errors[0]);
    assert(/MESSAGE_BROKER.SERVER/.test(client.errors[0]), client.errors[0]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("repairContentLength fixes only a frame whose content-length misses its NUL", () => {
  const encoder = new TextEncoder();
  const good = encoder.encode("MESSAGE\ncontent-length:3\n\na\0b\0\n");
  assertEquals(repairContentLength(good), good);
  const noLength = encoder.encode("MESSAGE\nfoo:bar\n\nabc\0");
  assertEquals(repairContentLength(noLength), noLength);
  // ActiveMQ: 9 original bytes became 17 bytes of U+FFFD text, content-length still 9.
  const lossy = encoder.encode(
    "MESSAGE\ncontent-length:9\nx:1\n\nP\uFFFD\uFFFD\0\uFFFD\uFFFD(\n\0\0",
  );
  const repaired = new TextDecoder().decode(repairContentLength(lossy));
  assertEquals(repaired, "MESSAGE\ncontent-length:17\nx:1\n\nP\uFFFD\uFFFD\0\uFFFD\uFFFD(\n\0\0");
});

async function waitUntil(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
