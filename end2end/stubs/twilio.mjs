// A stand-in for Twilio's Messages API, for the end-to-end tests only: it
// sends no SMS. It takes what the portal posts as Twilio would (basic
// auth, form fields To, From, Body, StatusCallback), writes each message
// as a JSON line ({time, to, text, callback}) for the tests to read the
// code from, and on `POST /stub/report` ({to, status, errorCode}) sends a
// delivery report for the newest message to that number the way Twilio
// does: form fields, signed with X-Twilio-Signature (HMAC-SHA1 keyed by
// the auth token, over the callback URL and the sorted fields).
//
// node stubs/twilio.mjs <port> <out.jsonl> <auth token>
import { createHmac } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, out, token] = process.argv.slice(2);
if (!port || !out || !token) {
  console.error('usage: node stubs/twilio.mjs <port> <out.jsonl> <auth token>');
  process.exit(2);
}
const sent = [];

function body(request) {
  return new Promise((resolve) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => resolve(text));
  });
}

function signature(url, fields) {
  const mac = createHmac('sha1', token).update(url);
  for (const [name, value] of [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    mac.update(name + value);
  }
  return mac.digest('base64');
}

async function report({ to, status, errorCode }) {
  const message = sent.filter((m) => m.to === to).pop();
  if (!message) return { status: 404, text: `no message to ${to}` };
  const fields = [
    ['AccountSid', message.account],
    ['From', message.from],
    ['MessageSid', message.sid],
    ['MessageStatus', status],
    ['To', message.to],
  ];
  if (errorCode) fields.push(['ErrorCode', errorCode]);
  const answer = await fetch(message.callback, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': signature(message.callback, fields),
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: answer.status, text: await answer.text() };
}

createServer(async (request, response) => {
  const text = await body(request);
  const messages = request.url.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/);
  if (request.method === 'POST' && messages) {
    const expected = 'Basic ' + Buffer.from(`${messages[1]}:${token}`).toString('base64');
    if (request.headers.authorization !== expected) {
      response.writeHead(401).end('{"code":20003,"message":"Authenticate"}');
      return;
    }
    const form = new URLSearchParams(text);
    const message = {
      sid: `SM${sent.length + 1}`,
      account: messages[1],
      to: form.get('To'),
      from: form.get('From'),
      text: form.get('Body'),
      callback: form.get('StatusCallback'),
    };
    sent.push(message);
    appendFileSync(
      out,
      JSON.stringify({ time: new Date().toISOString(), to: message.to, text: message.text, callback: message.callback }) + '\n',
    );
    response.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ sid: message.sid, status: 'queued' }));
    return;
  }
  if (request.method === 'POST' && request.url === '/stub/report') {
    const answer = await report(JSON.parse(text));
    response.writeHead(answer.status).end(answer.text);
    return;
  }
  response.writeHead(404).end();
}).listen(Number(port), '127.0.0.1', () => console.log(`twilio stub listening on http://127.0.0.1:${port}`));
