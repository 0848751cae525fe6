package io.slipway.runtime.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bubblewrap command line. bwrap run as root does not isolate (the child keeps root's capabilities, DESIGN §9),
 * so the command first drops to an unprivileged host uid with {@code setpriv}, clearing every capability set, and
 * bwrap then creates a user namespace in which the process is uid 1000. The system is visible read-only
 * ({@code /usr} and the few files of {@code /etc} that name resolution and TLS need); nothing else of the host is,
 * except the directories added with {@link #readOnly} and {@link #writable}.
 */
final class Bubblewrap {
    private static final List<String> ETC_FILES = List.of("/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf",
            "/etc/ssl/certs", "/etc/ca-certificates.conf", "/etc/localtime");

    private final int hostUid;
    private final List<String> mounts = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private boolean envFromStdin;
    private String chdir = "/";
    private boolean shareNetwork = true;
    private long tmpBytes;
    private final List<String> tmpfs = new ArrayList<>();

    private Bubblewrap(int hostUid) {
        this.hostUid = hostUid;
    }

    /** A sandbox whose processes run as {@code hostUid} on the host. */
    public static Bubblewrap asHostUid(int hostUid) {
        if (hostUid < 1000) throw new IllegalArgumentException("a sandbox never runs as a system uid: " + hostUid);
        return new Bubblewrap(hostUid);
    }

    public Bubblewrap readOnly(Path source, String target) {
        mounts.addAll(List.of("--ro-bind", source.toString(), target));
        return this;
    }

    public Bubblewrap writable(Path source, String target) {
        mounts.addAll(List.of("--bind", source.toString(), target));
        return this;
    }

    public Bubblewrap env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public Bubblewrap env(Map<String, String> values) {
        env.putAll(values);
        return this;
    }

    /**
     * Makes bwrap read the variables from its stdin ({@code --args 0}) rather than from its command line, which every user
     * of the host may read ({@code ps}, {@code /proc/<pid>/cmdline}) for as long as the sandbox runs: an app's env values
     * are secrets. The caller writes {@link #environmentArguments} to the process's stdin and closes it.
     */
    public Bubblewrap envFromStdin() {
        this.envFromStdin = true;
        return this;
    }

    /** The {@code --setenv} arguments as {@code --args} reads them: each followed by a NUL byte. */
    public byte[] environmentArguments() {
        StringBuilder args = new StringBuilder();
        env.forEach((k, v) -> args.append("--setenv\0").append(k).append('\0').append(v).append('\0'));
        return args.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public Bubblewrap chdir(String dir) {
        this.chdir = dir;
        return this;
    }

    /** Whether the sandbox shares the host's network namespace; when not, it sees only its own loopback. */
    public Bubblewrap shareNetwork(boolean share) {
        this.shareNetwork = share;
        return this;
    }

    /** Caps the private {@code /tmp} (a tmpfs, so it is memory) at this many bytes; 0 leaves the kernel's default. */
    public Bubblewrap tmpSize(long bytes) {
        this.tmpBytes = bytes;
        return this;
    }

    /** A private tmpfs of at most {@code bytes} at {@code target}, writable by the sandbox. */
    public Bubblewrap tmpfs(String target, long bytes) {
        tmpfs.addAll(List.of("--perms", "0700", "--size", Long.toString(bytes), "--tmpfs", target));
        return this;
    }

    /** The full command, ready for {@link ProcessBuilder}; no shell is involved anywhere. */
    public List<String> command(List<String> program) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + hostUid, "--regid=" + hostUid, "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--", "bwrap",
                "--unshare-user", "--uid", "1000", "--gid", "1000",
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--new-session", "--clearenv",
                "--hostname", "app",
                "--ro-bind", "/usr", "/usr",
                "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/sbin", "/sbin"));
        if (Files.isDirectory(Path.of("/usr/lib64"))) cmd.addAll(List.of("--symlink", "usr/lib64", "/lib64"));
        for (String file : ETC_FILES) {
            if (Files.exists(Path.of(file))) cmd.addAll(List.of("--ro-bind", file, file));
        }
        cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        if (tmpBytes > 0) cmd.addAll(List.of("--size", Long.toString(tmpBytes)));
        cmd.addAll(List.of("--tmpfs", "/tmp"));
        if (!shareNetwork) cmd.add("--unshare-net");
        cmd.addAll(mounts);
        cmd.addAll(tmpfs);
        // The new root is itself a tmpfs in which bwrap created /etc, /app and the like: nothing but the tmpfs mounts
        // above and /tmp may be written.
        cmd.addAll(List.of("--remount-ro", "/"));
        if (envFromStdin) {
            cmd.addAll(List.of("--args", "0"));
        } else {
            env.forEach((k, v) -> cmd.addAll(List.of("--setenv", k, v)));
        }
        cmd.addAll(List.of("--chdir", chdir, "--"));
        cmd.addAll(program);
        return cmd;
    }
}
