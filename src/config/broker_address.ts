/**
 * Parsing of `MESSAGE_BROKER.SERVER` into a {@linkcode BrokerAddress}.
 *
 * @module
 */
import type { BrokerAddress } from "./types.ts";

/** Examples of every accepted form, for error messages. */
export const BROKER_SERVER_FORMS: string =
  "host:port (STOMP over TCP, e.g. localhost:61613), stomp+ssl://host:port (TLS), " +
  "ws://host:port/path or wss://host:port/path (WebSocket, e.g. ws://localhost:15674/ws)";

/** The outcome of {@linkcode parseBrokerAddress}: an address or what is wrong. */
export type BrokerAddressResult =
  | { ok: true; address: BrokerAddress }
  | { ok: false; reason: string };

const TLS_SCHEMES = ["stomp+ssl://", "stomp+tls://", "ssl://", "tls://"];
const TCP_SCHEMES = ["stomp://", "tcp://"];
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?):([0-9]+)\/?$/;

/**
 * Parse a broker `SERVER` value.
 *
 * - `host:port`, `stomp://host:port`, `tcp://host:port` → STOMP over TCP
 * - `stomp+ssl://host:port`, `stomp+tls://`, `ssl://`, `tls://` → STOMP over TLS
 * - `ws://…`, `wss://…` → STOMP over WebSocket (the URL is kept whole)
 *
 * IPv6 hosts are written in brackets (`[::1]:61613`); the brackets are
 * removed from `host`.
 *
 * @example
 * ```ts
 * parseBrokerAddress("localhost:61613");
 * // { ok: true, address: { transport: "tcp", host: "localhost", port: 61613 } }
 * ```
 */
export function parseBrokerAddress(server: string): BrokerAddressResult {
  const text = server.trim();
  const lower = text.toLowerCase();
  if (lower.startsWith("ws://") || lower.startsWith("wss://")) return parseWebSocket(text);
  const tls = TLS_SCHEMES.find((scheme) => lower.startsWith(scheme));
  if (tls) return parseHostPort(text.slice(tls.length), "tls");
  const tcp = TCP_SCHEMES.find((scheme) => lower.startsWith(scheme));
  if (tcp) return parseHostPort(text.slice(tcp.length), "tcp");
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(lower)) {
    const scheme = lower.slice(0, lower.indexOf("://"));
    return { ok: false, reason: `unsupported scheme "${scheme}://"` };
  }
  return parseHostPort(text, "tcp");
}

function parseHostPort(text: string, transport: "tcp" | "tls"): BrokerAddressResult {
  const match = HOST_PORT.exec(text);
  if (!match) {
    return { ok: false, reason: "expected a host and a port separated by a colon" };
  }
  const port = Number(match[2]);
  if (!validPort(port)) {
    return { ok: false, reason: `port ${match[2]} is not between 1 and 65535` };
  }
  const host = match[1].startsWith("[") ? match[1].slice(1, -1) : match[1];
  return { ok: true, address: { transport, host, port } };
}

function parseWebSocket(text: string): BrokerAddressResult {
  if (!/^wss?:\/\/[^/?#@:]/i.test(text.replace(/^(wss?:\/\/)[^/?#@]*@/i, "$1"))) {
    return { ok: false, reason: "the URL names no host" };
  }
  const portText = /^wss?:\/\/(?:\[[^\]]*\]|[^/:?#]*):([^/?#]*)/i.exec(text)?.[1];
  if (portText !== undefined && portText !== "") {
    const port = /^[0-9]+$/.test(portText) ? Number(portText) : NaN;
    if (!validPort(port)) {
      return { ok: false, reason: `port ${portText} is not between 1 and 65535` };
    }
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "not a valid WebSocket URL" };
  }
  if (url.hostname === "") return { ok: false, reason: "the URL names no host" };
  return { ok: true, address: { transport: "ws", url: url.href } };
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
