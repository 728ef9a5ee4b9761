package raftkv.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import org.awaitility.Awaitility;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A real headless Chromium (Debian's {@code chromium}, driven through Debian's {@code chromium-driver}) for the web
 * console's test. Both paths are given to Selenium, so it never runs Selenium Manager, which would download a
 * browser or a driver. Keeps what the page logs to its console, for the test to check that nothing went wrong in it.
 */
final class ConsoleBrowser implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final ChromeDriverService service;
    final ChromeDriver driver;
    private final Path screenshots;
    final Path downloads;
    /** Every console and network message the page logged so far (the driver hands each out once). */
    private final List<LogEntry> log = new ArrayList<>();

    private ConsoleBrowser(Path screenshots, Path downloads) throws IOException {
        this.screenshots = Files.createDirectories(screenshots);
        this.downloads = Files.createDirectories(downloads);
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withLogFile(screenshots.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // No sandbox: CI runs as root, where Chromium refuses to start with one.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,860", "--disable-extensions", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-default-apps", "--disable-sync");
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", this.downloads.toAbsolutePath().toString());
        prefs.put("download.prompt_for_download", false);
        options.setExperimentalOption("prefs", prefs);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    /**
     * A browser, or the test skipped (failed where {@code .ci/run} requires every scenario) without Debian's
     * chromium and chromium-driver.
     */
    static ConsoleBrowser start(Path screenshots, Path downloads) throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            Privileged.unavailable("the web console's browser test", "Debian's chromium and chromium-driver ("
                    + CHROMIUM + ", " + CHROMEDRIVER + ")");
        }
        return new ConsoleBrowser(screenshots, downloads);
    }

    void open(String url) {
        driver.get(url);
    }

    /**
     * Waits up to {@code timeout} until {@code check} answers something other than null or false, polling every
     * 25 ms, and answers it; fails naming {@code what}. An element missing or replaced meanwhile counts as not yet.
     */
    <T> T await(Duration timeout, String what, Function<ChromeDriver, T> check) {
        return Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(25))
                .ignoreExceptionsMatching(e -> e instanceof NoSuchElementException
                        || e instanceof StaleElementReferenceException)
                .until(() -> check.apply(driver), v -> v != null && !Boolean.FALSE.equals(v));
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Whether an element matches, without waiting. */
    boolean has(String css) {
        return !findAll(css).isEmpty();
    }

    /** Replaces a field's text, as a user selecting all and typing would. */
    void type(String css, String text) {
        WebElement e = find(css);
        e.clear();
        e.sendKeys(text);
    }

    /** Clicks the element, found anew if the page redrew it between finding and clicking. */
    void click(String css) {
        await(Duration.ofSeconds(5), "click " + css, d -> {
            find(css).click();
            return true;
        });
    }

    /** Saves what the page shows now as {@code name}.png in the screenshot directory. */
    Path screenshot(String name) throws IOException {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Path to = screenshots.resolve(name + ".png");
        Files.copy(shot.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
        return to;
    }

    /** The page's console and network messages since the browser started. */
    List<LogEntry> log() {
        log.addAll(driver.manage().logs().get(LogType.BROWSER).getAll());
        return List.copyOf(log);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
        }
    }
}
