// A build pod's container runs this with the image's own node (`node -e`): it runs one build step (SLIPWAY_STEP: JSON
// {"command": [...], "env": {...}}) in its work directory (SLIPWAY_WORKDIR), which the init container filled from
// Slipway, with exactly the step's environment and its output as the container's; when the step exits 0 it uploads
// the work directory as an uncompressed tar (PAX names where ustar's do not fit) to SLIPWAY_OUTPUT with the grant
// SLIPWAY_GRANT, streamed as it is read. It exits with the step's code, or 70 when the upload failed (saying why).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const step = JSON.parse(process.env.SLIPWAY_STEP);
const workDir = process.env.SLIPWAY_WORKDIR;

function octal(value, length) {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

function paxRecord(key, value) {
  const rest = Buffer.byteLength(' ' + key + '=' + value + '\n');
  let length = rest + String(rest).length;
  if (String(length).length !== String(rest).length) length = rest + String(length).length;
  return length + ' ' + key + '=' + value + '\n';
}

function block(name, type, mode, size, link, mtime) {
  const header = Buffer.alloc(512);
  header.write(name.slice(0, 100), 0, 100, 'utf8');
  header.write(octal(mode, 8), 100);
  header.write(octal(0, 8), 108);
  header.write(octal(0, 8), 116);
  header.write(octal(size, 12), 124);
  header.write(octal(mtime, 12), 136);
  header.fill(' ', 148, 156);
  header.write(type, 156);
  header.write(link.slice(0, 100), 157, 100, 'utf8');
  header.write('ustar\x0000', 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(octal(sum, 7), 148);
  return header;
}

function headers(name, type, mode, size, link, mtime) {
  const long = Buffer.byteLength(name) > 100 || Buffer.byteLength(link) > 100 || size > 0o77777777777;
  if (!long) return [block(name, type, mode, size, link, mtime)];
  const body = Buffer.from(paxRecord('path', name) + (link ? paxRecord('linkpath', link) : '') + paxRecord('size', String(size)));
  return [block('././@PaxHeader', 'x', 0o644, body.length, '', 0), pad(body), block(name.slice(-100), type, mode,
    size > 0o77777777777 ? 0 : size, link, mtime)];
}

function pad(buffer) {
  const rest = buffer.length % 512;
  return rest === 0 ? buffer : Buffer.concat([buffer, Buffer.alloc(512 - rest)]);
}

// Every entry below dir, parents before children, in a stable order; sockets, fifos and devices are left out.
function* entries(dir, prefix) {
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const relative = prefix ? prefix + '/' + name : name;
    const stat = fs.lstatSync(full);
    if (stat.isSymbolicLink()) yield { name: relative, type: '2', stat, link: fs.readlinkSync(full) };
    else if (stat.isDirectory()) {
      yield { name: relative + '/', type: '5', stat };
      yield* entries(full, relative);
    } else if (stat.isFile()) yield { name: relative, type: '0', stat, full };
  }
}

async function upload() {
  const url = new URL(process.env.SLIPWAY_OUTPUT);
  const client = require(url.protocol === 'https:' ? 'https' : 'http');
  const request = client.request(url, { method: 'PUT', headers: { authorization: 'Bearer ' + process.env.SLIPWAY_GRANT,
    'content-type': 'application/x-tar', 'transfer-encoding': 'chunked' } });
  const answered = new Promise((resolve, reject) => {
    request.on('response', (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
  });
  const write = async (buffer) => {
    if (!request.write(buffer)) await new Promise((resolve) => request.once('drain', resolve));
  };
  for (const entry of entries(workDir, '')) {
    const mode = entry.stat.mode & 0o7777;
    const size = entry.type === '0' ? entry.stat.size : 0;
    for (const header of headers(entry.name, entry.type, mode, size, entry.link || '', Math.floor(entry.stat.mtimeMs / 1000))) await write(header);
    if (entry.type !== '0') continue;
    const fd = fs.openSync(entry.full, 'r');
    try {
      let left = size;
      while (left > 0) {
        const chunk = Buffer.alloc(Math.min(left, 1 << 16));
        const n = fs.readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) throw new Error(entry.name + ' changed while it was uploaded');
        await write(chunk.subarray(0, n));
        left -= n;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (size % 512 !== 0) await write(Buffer.alloc(512 - (size % 512)));
  }
  await write(Buffer.alloc(1024));
  request.end();
  const answer = await answered;
  if (answer.status >= 300) throw new Error('Slipway answered ' + answer.status + ': ' + answer.body.slice(0, 500));
}

const child = spawn(step.command[0], step.command.slice(1), { cwd: workDir, env: step.env, stdio: 'inherit' });
child.on('error', (error) => {
  console.error('cannot run ' + step.command[0] + ': ' + error.message);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (signal) process.exit(128 + (require('os').constants.signals[signal] || 0));
  if (code !== 0) process.exit(code);
  upload().then(() => process.exit(0), (error) => {
    console.error('cannot upload the step\'s output to Slipway: ' + error.message);
    process.exit(70);
  });
});
