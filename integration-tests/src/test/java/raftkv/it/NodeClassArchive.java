package raftkv.it;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * The AppCDS archive the node JVMs of this test run start from ({@code raftkv.server.tools.ClassWarmup} says what
 * it is). The suite starts hundreds of node JVMs, each spending a second or more loading the same classes; the
 * archive is made once per test JVM, for its own class path (the JVM takes an archive only for the class path it
 * was made with), and a node started from it is serving in about half the time. If it cannot be made, nodes start
 * without it, as before.
 */
final class NodeClassArchive {

    /** The JVM options every node starts with: the archive's flags go with them, as the archive was made so. */
    static final List<String> NODE_JVM = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final Path FILE = Path.of("target", "node-classes.jsa");

    private static List<String> options;
    private static String classPath;

    private NodeClassArchive() {
    }

    /**
     * The JVM options and class path of a node running the real server: the archive's options (made on first call)
     * or none, and the jars of this JVM's class path. Only jars: the JVM archives no class path with a non-empty
     * directory in it, and a node needs none of this module's test classes.
     */
    static synchronized List<String> serverJvm() {
        if (options == null) {
            classPath = jarsOnly();
            options = make() ? List.of("-XX:SharedArchiveFile=" + FILE.toAbsolutePath(), "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off") : List.of();
        }
        List<String> out = new ArrayList<>(options);
        out.addAll(List.of("-cp", classPath));
        return out;
    }

    /**
     * This JVM's class path as files, jars only. Failsafe may start it from a manifest-only jar, whose Class-Path
     * names the real entries.
     */
    private static String jarsOnly() {
        List<String> jars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            for (String e : expand(entry)) {
                if (e.endsWith(".jar") && Files.isRegularFile(Path.of(e))) {
                    jars.add(e);
                }
            }
        }
        return String.join(File.pathSeparator, jars);
    }

    private static List<String> expand(String entry) {
        if (!entry.endsWith(".jar") || !Path.of(entry).getFileName().toString().startsWith("surefirebooter")) {
            return List.of(entry);
        }
        try (JarFile jar = new JarFile(entry)) {
            String cp = jar.getManifest() == null ? null
                    : jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (cp == null) {
                return List.of(entry);
            }
            List<String> out = new ArrayList<>();
            URI base = Path.of(entry).toAbsolutePath().getParent().toUri();
            for (String url : cp.trim().split("\\s+")) {
                out.add(Path.of(base.resolve(url)).toString());
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return List.of(entry);
        }
    }

    private static boolean make() {
        if ("off".equals(System.getProperty("raftkv.it.cds"))) {
            return false;
        }
        long started = System.nanoTime();
        Path tmp = FILE.resolveSibling("node-classes-" + ProcessHandle.current().pid() + ".jsa");
        Path out = FILE.resolveSibling("node-classes-warmup.log");
        try {
            Files.createDirectories(FILE.toAbsolutePath().getParent());
            Files.deleteIfExists(tmp);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString()));
            cmd.addAll(NODE_JVM);
            cmd.addAll(List.of("-XX:ArchiveClassesAtExit=" + tmp.toAbsolutePath(), "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off", "-Dlogback.configurationFile=logback.xml", "-cp", classPath,
                    "raftkv.server.tools.ClassWarmup"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(out.toFile())).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                System.out.println("node class archive: the warm-up did not finish in 120 s; nodes start without");
                return false;
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
                System.out.println("node class archive: the warm-up failed (exit " + p.exitValue() + ", see " + out
                        + "); nodes start without");
                return false;
            }
            Files.move(tmp, FILE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.out.printf("node class archive: made in %d ms (%d MiB)%n",
                    (System.nanoTime() - started) / 1_000_000, Files.size(FILE) >> 20);
            return true;
        } catch (IOException e) {
            System.out.println("node class archive: not made (" + e + "); nodes start without");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
