package raftkv.client.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads a password as etcdctl does: from the terminal without echo when there is one, else one line of standard
 * input (a script's {@code echo pw | kvctl ...}, or {@code --interactive=false}).
 */
final class PasswordPrompt {

    private PasswordPrompt() {
    }

    /** A password typed at the terminal after {@code prompt}, or the next line of standard input. */
    static String read(String prompt) {
        Console console = System.console();
        if (console != null && Kvctl.stdin() == System.in) {
            char[] typed = console.readPassword("%s", prompt);
            if (typed == null) {
                throw new Kvctl.UsageError("no password given");
            }
            return new String(typed);
        }
        return fromStdin();
    }

    /** The next line of standard input, without its line end; an error at its end. */
    static String fromStdin() {
        InputStream in = Kvctl.stdin();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                line.write(b);
            }
            if (b == -1 && line.size() == 0) {
                throw new Kvctl.UsageError("no password given: standard input is empty");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
