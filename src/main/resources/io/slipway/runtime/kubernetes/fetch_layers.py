# A pod's init container runs this with the app's own python3 (`python3 -c`): fetch-layers.js's twin for Python images,
# which have no node. It downloads each granted layer (SLIPWAY_LAYERS: lines of "<url> <directory>", with the grant
# SLIPWAY_GRANT) and unpacks its tar as it streams in, keeping modes and modification
# times (Python checks cached bytecode against them), refusing paths that leave the directory, retrying what may pass.
import os, posixpath, shutil, sys, tarfile, time, urllib.error, urllib.request

GRANT = os.environ["SLIPWAY_GRANT"]

def fail(message):
    print("cannot fetch the app's layers: " + message, file=sys.stderr)
    try:
        with open("/dev/termination-log", "w") as log:
            log.write(message)
    except OSError:
        pass
    sys.exit(1)

def safe(root, name):
    relative = posixpath.normpath(name)
    if relative in (".", ""):
        return None
    if relative.startswith("/") or relative == ".." or relative.startswith("../"):
        fail("a path that leaves the layer: " + name)
    return os.path.join(root, relative)

def unpack(response, root):
    with tarfile.open(fileobj=response, mode="r|") as tar:
        for member in tar:
            target = safe(root, member.name)
            if target is None:
                continue
            if member.isdir():
                os.makedirs(target, exist_ok=True)
                os.chmod(target, member.mode & 0o7777)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.lexists(target) and not os.path.isdir(target):
                os.remove(target)
            if member.issym():
                os.symlink(member.linkname, target)
            elif member.isfile():
                with tar.extractfile(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 16)
                os.chmod(target, member.mode & 0o7777)
                os.utime(target, (member.mtime, member.mtime))

def fetch(url, root):
    for attempt in range(1, 6):
        try:
            request = urllib.request.Request(url, headers={"Authorization": "Bearer " + GRANT})
            with urllib.request.urlopen(request, timeout=60) as response:
                unpack(response, root)
            return
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            if (error.code < 500 and error.code != 429) or attempt == 5:
                fail("Slipway answered %d for %s: %s" % (error.code, url, detail))
            message = "%d %s" % (error.code, detail)
        except (OSError, tarfile.TarError) as error:
            if attempt == 5:
                fail("%s: %s" % (url, error))
            message = str(error)
        print("fetching %s failed (%s), trying again" % (url, message), file=sys.stderr)
        time.sleep(0.4 * attempt)

for line in os.environ.get("SLIPWAY_LAYERS", "").strip().splitlines():
    url, root = line.strip().split(" ", 1)
    started = time.monotonic()
    fetch(url, root)
    print("fetched %s into %s in %d ms" % (url, root, (time.monotonic() - started) * 1000))
