package io.slipway.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver by Selenium (DESIGN §9), with the flags that keep it
 * off the network on its own account (no component updates, sync or background requests). Installs {@code chromium}
 * and {@code chromium-driver} with apt-get when they are missing. The browser's console (errors, failed requests, CSP
 * violations) is collected, and {@link #close()} quits the browser and stops chromedriver and every process it started,
 * by their pids, and waits until they are gone.
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private final ChromeDriverService service;
    private final ChromeDriver driver;

    private HeadlessChromium(ChromeDriverService service, ChromeDriver driver) {
        this.service = service;
        this.driver = driver;
    }

    /** Starts chromedriver and a browser with a window (and so a viewport) of {@code width} × {@code height}. */
    public static HeadlessChromium start(int width, int height) {
        installIfMissing();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
                "--disable-default-apps", "--disable-extensions", "--window-size=" + width + "," + height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // A driver named here: Selenium Manager, which would look for one on the network, is never run.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(20)).build();
        try {
            service.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start chromedriver", e);
        }
        try {
            return new HeadlessChromium(service, new ChromeDriver(service, options));
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** The console entries logged since the last call (each call takes them: they are not returned twice). */
    public List<LogEntry> takeConsole() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    /**
     * A PNG of the whole page (not only the viewport) as it looks at {@code width} CSS pixels wide, as a phone or a
     * desktop shows it (a width below 500 is emulated as a mobile viewport), written to {@code file}.
     */
    public Path screenshot(Path file, int width) {
        return screenshot(file, width, "light");
    }

    /** {@link #screenshot(Path, int)} with {@code prefers-color-scheme} emulated as {@code scheme} ({@code light} or {@code dark}). */
    public Path screenshot(Path file, int width, String scheme) {
        boolean mobile = width < 500;
        driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
        driver.executeScript("window.scrollTo(0, 0)");
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", 900, "deviceScaleFactor", 1,
                "mobile", mobile));
        Number height = (Number) driver.executeScript("return document.documentElement.scrollHeight");
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", Math.min(6000, height.intValue()),
                "deviceScaleFactor", 1, "mobile", mobile));
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
            driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
        }
    }

    /** The page's width in CSS pixels as laid out at {@code width}: more than it means something sticks out sideways. */
    public long scrollWidthAt(int width) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", 900, "deviceScaleFactor", 1,
                "mobile", width < 500));
        try {
            return (Long) driver.executeScript("return document.documentElement.scrollWidth");
        } finally {
            driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }

    @Override
    public void close() {
        // Chromedriver's children (the browser and its helpers) are found before anything stops, to be waited for after.
        List<ProcessHandle> started = ProcessHandle.current().children()
                .filter(p -> p.info().command().map(CHROMEDRIVER::equals).orElse(false))
                .flatMap(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants())).toList();
        try {
            driver.quit();
        } finally {
            service.stop();
            for (ProcessHandle process : started) {
                if (process.isAlive()) process.destroy();
            }
            for (ProcessHandle process : started) {
                try {
                    process.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static void installIfMissing() {
        if (Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER))) return;
        if (AptGet.install("chromium", "chromium-driver") != 0) {
            throw new IllegalStateException("cannot install chromium and chromium-driver with apt-get: run 'apt-get install chromium "
                    + "chromium-driver' as root");
        }
    }

    /** apt-get, non-interactive, with its package lists updated once if the first install fails. */
    private static final class AptGet {
        static int install(String... packages) {
            List<String> install = new java.util.ArrayList<>(List.of("install", "-y", "-qq"));
            install.addAll(List.of(packages));
            int code = run(install);
            return code == 0 || run(List.of("update", "-qq")) != 0 ? code : run(install);
        }

        private static int run(List<String> arguments) {
            List<String> command = new java.util.ArrayList<>(List.of("apt-get"));
            command.addAll(arguments);
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            try {
                Process p = pb.start();
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    return -1;
                }
                return p.exitValue();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run apt-get", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
