# A build pod's container runs this with the image's own python3 (`python3 -c`): run-build-step.js's twin for Python
# images. It runs one build step (SLIPWAY_STEP: JSON {"command": [...], "env": {...}}) in its work directory
# (SLIPWAY_WORKDIR) with exactly the step's environment, its output the container's; when the step exits 0 it uploads
# the work directory as an uncompressed PAX tar to SLIPWAY_OUTPUT with the grant SLIPWAY_GRANT, streamed (chunked) as it
# is read. It exits with the step's code, or 70 when the upload failed (saying why).
import http.client, json, os, subprocess, sys, tarfile, urllib.parse

step = json.loads(os.environ["SLIPWAY_STEP"])
work_dir = os.environ["SLIPWAY_WORKDIR"]


class Chunked:
    """What tarfile writes, sent as HTTP chunks."""

    def __init__(self, connection):
        self.connection = connection

    def write(self, data):
        if data:
            self.connection.send(b"%x\r\n" % len(data) + bytes(data) + b"\r\n")
        return len(data)


def upload():
    url = urllib.parse.urlsplit(os.environ["SLIPWAY_OUTPUT"])
    connection = (http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection)(url.netloc, timeout=300)
    connection.putrequest("PUT", url.path)
    connection.putheader("Authorization", "Bearer " + os.environ["SLIPWAY_GRANT"])
    connection.putheader("Content-Type", "application/x-tar")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    with tarfile.open(fileobj=Chunked(connection), mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(os.listdir(work_dir)):
            tar.add(os.path.join(work_dir, name), arcname=name, recursive=True)
    connection.send(b"0\r\n\r\n")
    answer = connection.getresponse()
    body = answer.read(500).decode("utf-8", "replace")
    if answer.status >= 300:
        raise OSError("Slipway answered %d: %s" % (answer.status, body))


try:
    code = subprocess.call(step["command"], cwd=work_dir, env=step["env"])
except OSError as error:
    print("cannot run %s: %s" % (step["command"][0], error), file=sys.stderr)
    sys.exit(127)
if code < 0:
    sys.exit(128 - code)
if code != 0:
    sys.exit(code)
try:
    upload()
except (OSError, tarfile.TarError, http.client.HTTPException) as error:
    print("cannot upload the step's output to Slipway: %s" % error, file=sys.stderr)
    sys.exit(70)
