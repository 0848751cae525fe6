// A pod's init container runs this with the app's own node (`node -e`): it downloads each layer Slipway granted the
// pod (SLIPWAY_LAYERS: lines of "<url> <directory>", with the grant SLIPWAY_GRANT) and
// unpacks its tar, as it streams in, into the directory: an emptyDir the app's container mounts read-only. It keeps
// modes and modification times (Python checks cached bytecode against them), refuses paths that leave the directory,
// and retries what may pass (connection errors, 429, 5xx) five times.
'use strict';
const fs = require('fs');
const path = require('path');

const grant = process.env.SLIPWAY_GRANT;
const layers = (process.env.SLIPWAY_LAYERS || '').trim().split('\n').filter(Boolean).map((line) => line.trim().split(' '));

function safe(root, name) {
  const relative = path.posix.normalize(name.replace(/^\.\//, ''));
  if (relative === '.' || relative === '') return null;
  if (relative.startsWith('/') || relative === '..' || relative.startsWith('../')) throw new Error('a path that leaves the layer: ' + name);
  return path.join(root, relative);
}

function text(block, offset, length) {
  const end = block.indexOf(0, offset);
  return block.toString('utf8', offset, end >= 0 && end < offset + length ? end : offset + length);
}

function octal(block, offset, length) {
  const value = text(block, offset, length).trim();
  return value ? parseInt(value, 8) : 0;
}

function paxRecords(data) {
  const records = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = parseInt(data.toString('utf8', at, space), 10);
    if (!(length > 0)) break;
    const record = data.toString('utf8', space + 1, at + length - 1);
    const equals = record.indexOf('=');
    records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

// The tar reader: fed chunks as they arrive, it writes each entry as soon as its bytes are there.
function untar(root) {
  let buffer = Buffer.alloc(0);
  let left = 0; let skip = 0; let padding = 0;
  let fd = -1; let file = null; let mode = 0; let mtime = 0; let pax = null; let paxData = null; let ended = false;
  function finish() {
    if (fd >= 0) {
      fs.closeSync(fd);
      fs.chmodSync(file, mode);
      fs.utimesSync(file, mtime, mtime);
      fd = -1;
    }
    if (paxData) {
      pax = paxRecords(Buffer.concat(paxData));
      paxData = null;
    }
    skip = padding;
  }
  function header(block) {
    let name = text(block, 0, 100);
    const prefix = text(block, 345, 155);
    if (prefix) name = prefix + '/' + name;
    let size = octal(block, 124, 12);
    let link = text(block, 157, 100);
    const type = String.fromCharCode(block[156] || 0x30);
    mode = octal(block, 100, 8) & 0o7777;
    mtime = octal(block, 136, 12);
    if (pax && type !== 'x' && type !== 'g') {
      if (pax.path) name = pax.path;
      if (pax.linkpath) link = pax.linkpath;
      if (pax.size) size = parseInt(pax.size, 10);
      if (pax.mtime) mtime = parseFloat(pax.mtime);
      pax = null;
    }
    left = size;
    padding = (512 - (size % 512)) % 512;
    if (type === 'x') {
      paxData = [];
    } else if (type === '0' || type === '7') {
      file = safe(root, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.rmSync(file, { force: true });
      fd = fs.openSync(file, 'w', 0o600);
    } else if (type === '5') {
      const dir = safe(root, name);
      if (dir) {
        fs.mkdirSync(dir, { recursive: true });
        fs.chmodSync(dir, mode);
      }
    } else if (type === '2') {
      const target = safe(root, name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.rmSync(target, { force: true });
      fs.symlinkSync(link, target);
    }
    if (left === 0) finish();
  }
  return {
    feed(chunk) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : Buffer.from(chunk);
      while (!ended) {
        if (left > 0) {
          const n = Math.min(left, buffer.length);
          if (n === 0) return;
          const part = buffer.subarray(0, n);
          if (fd >= 0) fs.writeSync(fd, part);
          else if (paxData) paxData.push(Buffer.from(part));
          buffer = buffer.subarray(n);
          left -= n;
          if (left === 0) finish();
          continue;
        }
        if (skip > 0) {
          const n = Math.min(skip, buffer.length);
          if (n === 0) return;
          buffer = buffer.subarray(n);
          skip -= n;
          continue;
        }
        if (buffer.length < 512) return;
        const block = buffer.subarray(0, 512);
        buffer = buffer.subarray(512);
        if (block.every((b) => b === 0)) { ended = true; return; }
        header(block);
      }
    },
    ended: () => ended,
  };
}

async function fetchLayer(url, root) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, { headers: { authorization: 'Bearer ' + grant } });
      if (!response.ok) {
        const detail = (await response.text()).slice(0, 500);
        const error = new Error('Slipway answered ' + response.status + ' for ' + url + ': ' + detail);
        error.final = response.status < 500 && response.status !== 429;
        throw error;
      }
      const reader = untar(root);
      for await (const chunk of response.body) reader.feed(chunk);
      if (!reader.ended()) throw new Error('the layer ' + url + ' ended before its end of archive');
      return;
    } catch (error) {
      if (error.final || attempt >= 5) throw error;
      console.error('fetching ' + url + ' failed (' + error.message + '), trying again');
      await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
    }
  }
}

(async () => {
  for (const [url, root] of layers) {
    const started = Date.now();
    await fetchLayer(url, root);
    console.log('fetched ' + url + ' into ' + root + ' in ' + (Date.now() - started) + ' ms');
  }
})().catch((error) => {
  console.error('cannot fetch the app\'s layers: ' + error.message);
  try { fs.writeFileSync('/dev/termination-log', error.message); } catch (ignored) { /* not in every container */ }
  process.exit(1);
});
