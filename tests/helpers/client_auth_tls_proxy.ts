/**
 * A TLS proxy on 127.0.0.1 that demands a client certificate signed by a
 * given CA and forwards plain TCP to a real service (`node:tls`, since
 * `Deno.listenTls` cannot ask for client certificates).
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";

/** A running client-authenticating TLS proxy. */
export interface ClientAuthTlsProxy {
  port: number;
  /** Common names of the client certificates accepted so far. */
  clients: string[];
  /** TLS connections that failed (e.g. no client certificate). */
  refused: number;
  close(): Promise<void>;
}

/** Start the proxy in front of `target`. */
export async function startClientAuthTlsProxy(
  target: { host: string; port: number },
  tlsOptions: { cert: string; key: string; ca: string },
): Promise<ClientAuthTlsProxy> {
  const sockets = new Set<net.Socket>();
  const proxy = { port: 0, clients: [] as string[], refused: 0 } as ClientAuthTlsProxy;
  const server = tls.createServer(
    { ...tlsOptions, requestCert: true, rejectUnauthorized: true },
    (client) => {
      proxy.clients.push(String(client.getPeerCertificate().subject?.CN));
      const upstream = net.connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    },
  );
  server.on("tlsClientError", () => proxy.refused++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  proxy.port = (server.address() as net.AddressInfo).port;
  proxy.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
