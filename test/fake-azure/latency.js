/**
 * Round-trip emulation for the fake: every answer is held back as long as the network between
 * a runner and Azure would take to bring it, connection set-up included, so that a client that
 * opens connections early (preconnect) or reuses them (keep-alive) is faster here exactly as it
 * would be over a real network, while everything still runs on 127.0.0.1.
 *
 * The model. L is one round trip (scenario.latencyMs); H is how many round trips a new
 * connection costs before its first request can be sent (scenario.handshakeRoundTrips: 2 for
 * https, TCP's SYN/SYN-ACK then TLS 1.3's one round trip; 0 keeps the old model, "every request
 * costs L and connections are free").
 *
 *   A connection accepted at t0 (its TCP accept, as the listener sees it) can carry a request
 *   only from t0 + H*L on, and each request costs one round trip. So the answer to a request that
 *   arrived at tr on that connection is sent at
 *
 *       max(t0 + H*L, tr) + L        (then the fake's own work: signing, verifying)
 *
 * Why this is right although loopback handshakes take no time: on a real network the client
 * could send its first request at t0 + H*L and would get the answer one round trip later; here
 * it sends the request at once (tr ~ t0), and the answer waits until max(t0 + H*L, tr) + L
 * instead. What the client can observe (when each answer comes) is the same. A connection opened
 * early and left idle (preconnect) has paid its H*L by the time its first request arrives
 * (tr >= t0 + H*L), so that request costs L alone; a kept-alive connection's later requests
 * arrive after its first answer, so they cost L alone too. Only the client's own `connect` and
 * `secureConnect` events come earlier than on a real network: nothing in the benchmark waits on
 * them. The real TLS handshake's CPU (both sides) is paid for real on the TLS listener.
 *
 * Through the fake's CONNECT proxy (proxy.js): the proxy is taken to sit next to the runner, as
 * a corporate or runner-network proxy does, so reaching it costs nothing, and the CONNECT costs
 * one round trip: the proxy's own TCP handshake with the origin, which the 200 waits for. Then
 * TLS costs one more through the tunnel: a tunnel costs 2 round trips before its first request,
 * like a direct https connection (H = 2). The proxy opens its upstream connection to the fake's
 * TLS listener the moment the CONNECT arrives, so that connection's t0 is the CONNECT's time and
 * the same rule charges it, with no hook in the proxy: the 200 itself is not delayed, the first
 * answer through the tunnel is (the client sees the same times, as above). The proxy's
 * absolute-URI forwarding (plain http through HTTP_PROXY) pools its own upstream connections and
 * is not modelled per client connection; the benchmark does not use it.
 *
 * Distinct hosts: GitHub, Entra ID and each vault are different hosts in Azure, so a client can
 * never share one connection between them. The fake serves GitHub and Entra ID on one listener;
 * alias(host, port) opens a TCP forwarder on another loopback address (127.0.0.2, 127.0.0.3 ...:
 * Linux routes all of 127/8 to lo) in front of a listener, so that each service can get its own
 * origin. The forwarder connects upstream on accept, so the listener's t0 is the client's.
 *
 * Every tracked listener and alias logs its new connections: `connections` ({at, host, port}).
 * Times are performance.now() (monotonic), never the fake's injectable clock.
 */
import net from 'node:net';

const OPENED = Symbol('fake-azure: connection accepted at');
const ARRIVED = Symbol('fake-azure: request arrived at');

function sleepUntil(at) {
  const ms = at - performance.now();
  return ms > 0 ? new Promise(resolve => setTimeout(resolve, ms)) : Promise.resolve();
}

/** When the connection under `socket` was accepted (for TLS, the raw socket under it). */
function openedAt(socket) {
  return socket?.[OPENED] ?? socket?._parent?.[OPENED];
}

/** `scenario` is read live: its latencyMs and handshakeRoundTrips can change between runs. */
export function createLatency(scenario) {
  const connections = [];
  const aliases = new Set();

  function stamp(socket, host, port) {
    socket[OPENED] = performance.now();
    connections.push({ at: socket[OPENED], host, port });
  }

  return {
    connections,
    clearConnections: () => {
      connections.length = 0;
    },
    /** Changes the model for the requests that follow: { latencyMs, handshakeRoundTrips }. */
    set({ latencyMs, handshakeRoundTrips }) {
      if (latencyMs !== undefined) scenario.latencyMs = latencyMs;
      if (handshakeRoundTrips !== undefined) scenario.handshakeRoundTrips = handshakeRoundTrips;
    },

    /** Stamps a listener's connections (on accept) and requests (on arrival). */
    track(server) {
      server.on('connection', socket => stamp(socket, socket.localAddress, socket.localPort));
      server.on('request', req => {
        req[ARRIVED] = performance.now();
      });
    },

    /** Resolves when the answer to `req` may be sent: max(t0 + H*L, tr) + L. */
    wait(req) {
      const L = scenario.latencyMs ?? 0;
      const H = scenario.handshakeRoundTrips ?? 0;
      if (L <= 0) return Promise.resolve();
      const arrived = req[ARRIVED] ?? performance.now();
      const opened = openedAt(req.socket) ?? arrived;
      return sleepUntil(Math.max(opened + H * L, arrived) + L);
    },

    /**
     * Opens `host` (a loopback address such as 127.0.0.2) as another origin in front of the
     * listener on 127.0.0.1:`targetPort`; resolves to {host, port, url, close}.
     */
    async alias(host, targetPort) {
      const sockets = new Set();
      const server = net.createServer(client => {
        stamp(client, host, server.address().port);
        const upstream = net.connect(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, resolve);
      });
      const { port } = server.address();
      const close = () =>
        new Promise(resolve => {
          aliases.delete(close);
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        });
      aliases.add(close);
      return { host, port, url: `http://${host}:${port}`, close };
    },

    /** Closes every alias still open. */
    close: () => Promise.all([...aliases].map(close => close()))
  };
}
