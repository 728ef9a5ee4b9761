package raftkv.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import raftkv.benchmark.driver.Security;

/**
 * etcdctl's security flags, for the commands that drive a cluster: {@code --user name:password}, {@code --cacert},
 * {@code --cert} and {@code --key}. Each is checked as it is parsed (a user without its password, a file that is
 * not there), so a typo ends the command before a cluster sees any load.
 */
public final class SecurityOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandSpec mixee;

    private String user;
    private String password;

    @Option(names = "--cacert", paramLabel = "FILE", converter = ReadableFile.class,
            description = "trust the CAs of this PEM file (https endpoints; default: the JDK's)")
    Path caCert;
    @Option(names = "--cert", paramLabel = "FILE", converter = ReadableFile.class,
            description = "present this client certificate (PEM); needs --key")
    Path cert;
    @Option(names = "--key", paramLabel = "FILE", converter = ReadableFile.class,
            description = "the private key (PEM) of --cert")
    Path key;

    @Option(names = "--user", paramLabel = "NAME:PASSWORD",
            description = "authenticate as this user (auth on): its token goes with every request")
    void user(String value) {
        // Split at the first colon, as etcdctl does: a password may hold colons, a name may not. etcdctl prompts for
        // a missing password; a benchmark runs unattended, so it is an error here. The value is never echoed.
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw new CommandLine.ParameterException(mixee.commandLine(),
                    "--user takes NAME:PASSWORD" + (colon == 0 ? " (the name is empty)" : " (no ':' in it)"));
        }
        user = value.substring(0, colon);
        password = value.substring(colon + 1);
    }

    /** The flags as one record, checked against the endpoints they are for. */
    Security security(List<String> endpoints) {
        try {
            Security s = new Security(user, password, caCert, cert, key);
            s.tls(endpoints);
            return s;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
        }
    }

    /** A path that names a readable file; picocli reports anything else as an invalid value of its option. */
    static final class ReadableFile implements CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Path.of(value);
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw new CommandLine.TypeConversionException("no readable file " + value);
            }
            return p;
        }
    }
}
