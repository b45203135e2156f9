import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { parseBrokerAddress } from "../../src/config/broker_address.ts";

Deno.test("parseBrokerAddress accepts every documented form", () => {
  const cases: [string, unknown][] = [
    ["localhost:61613", { transport: "tcp", host: "localhost", port: 61613 }],
    ["  127.0.0.1:61613  ", { transport: "tcp", host: "127.0.0.1", port: 61613 }],
    ["mq-1.example.edu:1", { transport: "tcp", host: "mq-1.example.edu", port: 1 }],
    ["[::1]:65535", { transport: "tcp", host: "::1", port: 65535 }],
    ["stomp://mq:61613", { transport: "tcp", host: "mq", port: 61613 }],
    ["tcp://mq:61613", { transport: "tcp", host: "mq", port: 61613 }],
    ["stomp+ssl://mq:61614", { transport: "tls", host: "mq", port: 61614 }],
    ["STOMP+SSL://mq:61614/", { transport: "tls", host: "mq", port: 61614 }],
    ["stomp+tls://mq:61614", { transport: "tls", host: "mq", port: 61614 }],
    ["ssl://mq:61614", { transport: "tls", host: "mq", port: 61614 }],
    ["ws://127.0.0.1:15674/ws", { transport: "ws", url: "ws://127.0.0.1:15674/ws" }],
    ["wss://mq.example.edu/stomp?x=1", {
      transport: "ws",
      url: "wss://mq.example.edu/stomp?x=1",
    }],
  ];
  for (const [server, address] of cases) {
    assertEquals(parseBrokerAddress(server), { ok: true, address }, server);
  }
});

Deno.test("parseBrokerAddress says what is wrong with a bad SERVER", () => {
  const cases: [string, RegExp][] = [
    ["localhost", /host and a port/],
    ["localhost:", /host and a port/],
    [":61613", /host and a port/],
    ["mq:0", /port 0 is not between 1 and 65535/],
    ["mq:65536", /port 65536 is not between 1 and 65535/],
    ["mq:61613/queue", /host and a port/],
    ["amqp://mq:5672", /unsupported scheme "amqp:\/\/"/],
    ["http://mq:15674/ws", /unsupported scheme "http:\/\/"/],
    ["stomp+ssl://mq", /host and a port/],
    ["ws://mq:70000/ws", /port 70000 is not between 1 and 65535/],
    ["ws://mq:0/ws", /port 0 is not between 1 and 65535/],
    ["ws:///ws", /no host|not a valid/],
  ];
  for (const [server, reason] of cases) {
    const result = parseBrokerAddress(server);
    assert(!result.ok, `${server} was accepted`);
    assert(reason.test(result.reason), `${server}: ${result.reason}`);
  }
});
