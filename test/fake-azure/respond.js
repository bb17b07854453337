/** Reading requests and writing responses, shared by every fake service. */

/** Set on a response by a `truncate` fault: send() then writes half the body and drops the socket. */
export const TRUNCATE = Symbol('truncate');

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Sends a JSON body (objects) or a text body (strings) with an exact content-length. */
export function send(res, status, body, headers = {}) {
  const isText = typeof body === 'string';
  const payload = Buffer.from(isText ? body : JSON.stringify(body));
  const allHeaders = {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...headers,
    'content-length': payload.length
  };
  res.writeHead(status, allHeaders);
  if (res[TRUNCATE]) {
    // The client has been promised the whole body: half of it, then a dropped connection.
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.socket?.destroy());
    return;
  }
  res.end(payload);
}

export function delay(ms) {
  return ms > 0 ? new Promise(resolve => setTimeout(resolve, ms)) : Promise.resolve();
}

/** A 502 page as an Azure front door / gateway serves it: HTML where JSON was expected. */
export const GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
  '<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n';
