/**
 * An HTTP forward proxy in front of the fake, so the action can use real host names
 * (HTTPS_PROXY): `CONNECT login.microsoftonline.com:443` is tunnelled to the fake's HTTPS
 * listener, and absolute-URI requests (`GET http://...`) are forwarded to its HTTP listener.
 * Nothing ever leaves 127.0.0.1: a host the fake does not serve gets a 502.
 */
import http from 'node:http';
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function splitHostPort(target) {
  const at = target.lastIndexOf(':');
  return at < 0
    ? { host: target.toLowerCase(), port: 443 }
    : { host: target.slice(0, at).toLowerCase(), port: Number(target.slice(at + 1)) };
}

/**
 * ports: { https, http, own: () => Set<number> of every fake listener port };
 * servesHost(host): whether the fake answers for that name; log: array of "CONNECT host:port" /
 * "GET http://..." strings.
 */
export function createProxy({ ports, servesHost, log }) {
  const sockets = new Set();
  const track = socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  /** Which local port serves `host:port`, or undefined when the fake does not serve it. */
  function localPortFor(host, port) {
    if (LOOPBACK.has(host) && ports.own().has(port)) return port;
    if (port === 443 && servesHost(host)) return ports.https;
    if (port === 80 && servesHost(host)) return ports.http;
    return undefined;
  }

  function tunnel(req, clientSocket, head) {
    track(clientSocket);
    log.push(`CONNECT ${req.url}`);
    const { host, port } = splitHostPort(req.url ?? '');
    const localPort = localPortFor(host, port);
    if (localPort === undefined) {
      clientSocket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect(localPort, '127.0.0.1', () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  }

  function forward(req, res) {
    log.push(`${req.method} ${req.url}`);
    let target;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('fake-azure proxy: expected an absolute URI');
      return;
    }
    const host = target.hostname.toLowerCase();
    const localPort = LOOPBACK.has(host) && ports.own().has(Number(target.port)) ? Number(target.port) : ports.http;
    if (!LOOPBACK.has(host) && !servesHost(host) && !host.startsWith('169.254.')) {
      res.writeHead(502).end(`fake-azure proxy: no route to ${host}`);
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: localPort, method: req.method, path: target.pathname + target.search, headers: req.headers },
      upstreamRes => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      }
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  const server = http.createServer(forward);
  server.on('connect', tunnel);
  server.on('connection', track);

  return {
    server,
    destroySockets() {
      for (const socket of sockets) socket.destroy();
    }
  };
}
