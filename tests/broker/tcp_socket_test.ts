import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Parser } from "@stomp/stompjs";
import { type TcpSocketCloseEvent, TcpStompSocket } from "../../src/broker/tcp_socket.ts";

/** A local TCP server that runs `serve` for the first connection only. */
function serveOnce(serve: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    const conn = await listener.accept();
    listener.close();
    try {
      await serve(conn);
    } finally {
      try {
        conn.close();
      } catch {
        // closed by the test already
      }
    }
  })();
  return { port: listener.addr.port, done };
}

function openSocket(port: number) {
  const socket = new TcpStompSocket({ host: "127.0.0.1", port });
  const opened = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<TcpSocketCloseEvent>();
  const chunks: Uint8Array[] = [];
  socket.onopen = () => opened.resolve();
  socket.onmessage = (event) => chunks.push(new Uint8Array(event.data));
  socket.onclose = (event) => closed.resolve(event);
  return { socket, opened: opened.promise, closed: closed.promise, chunks };
}

async function readExactly(conn: Deno.Conn, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let offset = 0;
  while (offset < length) {
    const n = await conn.read(out.subarray(offset));
    if (n === null) throw new Error(`connection ended after ${offset} of ${length} bytes`);
    offset += n;
  }
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

Deno.test("TcpStompSocket delivers frames split at every byte and coalesced, to the stompjs parser intact", async () => {
  const encoder = new TextEncoder();
  const body = new Uint8Array([0x00, 0xff, 0x0a, 0xc3, 0xa9, 0x00, 0x3a]);
  const frameHead = encoder.encode(`MESSAGE\nfoo:a\\cb\ncontent-length:${body.length}\n\n`);
  const frame = concat([frameHead, body, new Uint8Array([0])]);
  const server = serveOnce(async (conn) => {
    // One frame a byte at a time, then a heart-beat and two frames in one write.
    for (const byte of frame) {
      await conn.write(new Uint8Array([byte]));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await conn.write(concat([new Uint8Array([0x0a]), frame, frame]));
  });
  const { socket, opened, closed, chunks } = openSocket(server.port);
  await opened;
  await server.done;
  const event = await closed;
  assertEquals(event.reason, "connection closed by the broker");
  assertEquals(socket.readyState, 3);
  assert(chunks.length > 3, `expected many chunks, got ${chunks.length}`);

  const frames: { command?: string; headers: [string, string][]; binaryBody?: Uint8Array }[] = [];
  let pings = 0;
  const parser = new Parser((raw) => frames.push(raw), () => pings++);
  for (const chunk of chunks) parser.parseChunk(chunk.buffer as ArrayBuffer);
  assertEquals(frames.length, 3);
  assertEquals(pings, 1);
  for (const parsed of frames) {
    assertEquals(parsed.command, "MESSAGE");
    assertEquals(parsed.headers[0], ["foo", "a\\cb"]);
    assertEquals(parsed.binaryBody, body);
  }
});

Deno.test("TcpStompSocket writes strings as UTF-8 and binary as is, in order, and drain() waits for them", async () => {
  const text = "SEND\ndestination:/queue/é\n\nü\0";
  const binary = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
  const expected = concat([new TextEncoder().encode(text), binary]);
  const received = Promise.withResolvers<Uint8Array>();
  const server = serveOnce(async (conn) => {
    received.resolve(await readExactly(conn, expected.length));
  });
  const { socket, opened, closed } = openSocket(server.port);
  await opened;
  socket.send(text);
  socket.send(binary.buffer);
  await socket.drain();
  assertEquals(await received.promise, expected);
  socket.close();
  await closed;
  await server.done;
});

Deno.test("TcpStompSocket reports a refused connection with onerror then onclose, once", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const socket = new TcpStompSocket({ host: "127.0.0.1", port });
  const errors: string[] = [];
  const closes: TcpSocketCloseEvent[] = [];
  const closed = Promise.withResolvers<void>();
  socket.onerror = (event) => errors.push(event.message);
  socket.onclose = (event) => {
    closes.push(event);
    closed.resolve();
  };
  await closed.promise;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assertEquals(errors.length, 1);
  assert(/connection failed/.test(errors[0]), errors[0]);
  assertEquals(closes.length, 1);
  assertEquals(closes[0].wasClean, false);
  assertEquals(socket.readyState, 3);
});

Deno.test("TcpStompSocket terminate() while connecting closes at once and drops the late connection", async () => {
  const accepted = Promise.withResolvers<Deno.Conn>();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = listener.accept().then((conn) => accepted.resolve(conn));
  const { socket, closed } = openSocket(listener.addr.port);
  let opened = false;
  socket.onopen = () => opened = true;
  socket.terminate();
  assertEquals(socket.readyState, 3);
  assertEquals((await closed).wasClean, false);
  await accepting;
  const conn = await accepted.promise;
  // The socket closes the connection it got after being terminated.
  assertEquals(await conn.read(new Uint8Array(1)), null);
  conn.close();
  listener.close();
  assertEquals(opened, false);
});
