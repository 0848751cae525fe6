package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The official Python MCP SDK's client ({@code mcp} from PyPI) over Streamable HTTP, in a virtualenv of its own under
 * {@code target/} (made once per build directory and SDK version, later runs reuse it): it connects to a server, lists
 * its tools and calls {@code add(2, 3)}, as a user's Python agent would; or keeps one session across the server's sleep.
 * One script serves both SDK majors: 1.x names the transport {@code streamablehttp_client}, 2.x
 * {@code streamable_http_client}.
 */
public final class PythonMcpClient {
    /** The newest of each major on PyPI when this was written. */
    public static final String SDK_1 = "mcp==1.30.0";
    public static final String SDK_2 = "mcp==2.3.0";
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path PIP_CACHE = Path.of("target/client-pip-cache").toAbsolutePath();
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final String SCRIPT = """
            # argv: mode url [server-json-url token]. "tools": lists the tools and calls add(2, 3); "across-sleep": calls
            # add(2, 3), polls the server JSON until the app sleeps (60 s at most), calls add(4, 5) in the same session.
            # Prints one JSON line.
            import asyncio, json, sys, time, urllib.request
            from mcp import ClientSession
            try:
                from mcp.client.streamable_http import streamable_http_client as connect
            except ImportError:
                from mcp.client.streamable_http import streamablehttp_client as connect

            def text(called):
                return "".join(part.text for part in called.content if part.type == "text")

            def status(url, token):
                request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
                with urllib.request.urlopen(request) as answer:
                    return json.load(answer)["status"]

            async def main(mode, url, *rest):
                async with connect(url) as streams:
                    async with ClientSession(streams[0], streams[1]) as session:
                        await session.initialize()
                        if mode == "tools":
                            tools = [tool.name for tool in (await session.list_tools()).tools]
                            result = text(await session.call_tool("add", {"a": 2, "b": 3}))
                            print(json.dumps({"tools": tools, "result": result}))
                            return
                        first = text(await session.call_tool("add", {"a": 2, "b": 3}))
                        deadline, now = time.monotonic() + 60, ""
                        while time.monotonic() < deadline:
                            now = await asyncio.to_thread(status, *rest)
                            if now == "sleeping":
                                break
                            await asyncio.sleep(0.1)
                        second = text(await session.call_tool("add", {"a": 4, "b": 5}))
                        print(json.dumps({"first": first, "second": second, "slept": now == "sleeping"}))

            asyncio.run(main(*sys.argv[1:]))
            """;

    private final Path dir;

    private PythonMcpClient(Path dir) {
        this.dir = dir;
    }

    /** A virtualenv with {@code sdk} (an exact {@code mcp==version} spec) installed, by pip only when it is missing. */
    public static PythonMcpClient install(String sdk) {
        String version = sdk.substring(sdk.indexOf("==") + 2);
        Path dir = Path.of("target", "python-mcp-client-" + version).toAbsolutePath();
        PythonMcpClient client = new PythonMcpClient(dir);
        try {
            if (!client.hasInstalled(version)) {
                Commands.Result venv = Commands.run(List.of(PYTHON, "-m", "venv", "--clear", dir.toString()),
                        Files.createDirectories(dir.getParent()), INSTALL_TIMEOUT);
                assertThat(venv.exitCode()).as("python -m venv: %s", venv.stderr()).isZero();
                Commands.Result pip = Commands.run(List.of(client.python(), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "--cache-dir", PIP_CACHE.toString(), sdk), dir, INSTALL_TIMEOUT);
                assertThat(pip.exitCode()).as("pip install %s: %s", sdk, pip.stderr()).isZero();
            }
            Files.writeString(dir.resolve("client.py"), SCRIPT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return client;
    }

    /** Runs the client against {@code url}: {@code {"tools":[…],"result":"5"}}; fails the test when the client fails. */
    public JsonObject listToolsAndAdd(String url) {
        return printed(Commands.run(List.of(python(), "client.py", "tools", url), dir, Duration.ofSeconds(60)));
    }

    /**
     * One client session that calls {@code add} before and after the app at {@code url} sleeps (it watches the server
     * JSON at {@code serverUrl} for that): {@code {"first":"5","second":"9","slept":true}}.
     */
    public JsonObject callAcrossSleep(String url, String serverUrl, String token) {
        return printed(Commands.run(List.of(python(), "client.py", "across-sleep", url, serverUrl, token), dir, Duration.ofSeconds(120)));
    }

    private String python() {
        return dir.resolve("bin/python").toString();
    }

    private boolean hasInstalled(String version) {
        if (!Files.isExecutable(dir.resolve("bin/python"))) return false;
        Commands.Result installed = Commands.run(List.of(python(), "-c", "import importlib.metadata as m; print(m.version('mcp'))"), dir,
                Duration.ofSeconds(30));
        return installed.exitCode() == 0 && installed.stdout().strip().equals(version);
    }

    private static JsonObject printed(Commands.Result run) {
        return Commands.printedJson(run.exitCode(), run.stdout(), run.stderr());
    }
}
