package raftkv.benchmark.driver;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * How a driver identifies itself to a cluster, in etcdctl's terms: a user ({@code --user name:password}) whose
 * token goes with every request, and for https endpoints the CAs to trust ({@code --cacert}, else the JDK's) and a
 * client certificate ({@code --cert}, {@code --key}). Every part may be null; {@link #none()} is a plain client of a
 * cluster without auth.
 */
public record Security(String user, String password, Path caCert, Path cert, Path key) {

    public Security {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key go together");
        }
        if (user != null && user.isEmpty()) {
            throw new IllegalArgumentException("the user name is empty");
        }
    }

    public static Security none() {
        return new Security(null, null, null, null, null);
    }

    /** The same TLS files, as {@code name}. */
    public Security asUser(String name, String pass) {
        return new Security(name, pass, caCert, cert, key);
    }

    public boolean hasUser() {
        return user != null;
    }

    /**
     * Whether {@code endpoints} are to be dialled over TLS: all https, or all http. Certificates with http endpoints
     * are refused rather than ignored, as raftkv's client does: a benchmark meant to measure TLS must not silently
     * measure plaintext.
     */
    public boolean tls(List<String> endpoints) {
        long https = endpoints.stream().filter(e -> "https".equalsIgnoreCase(URI.create(e.trim()).getScheme()))
                .count();
        if (https != 0 && https != endpoints.size()) {
            throw new IllegalArgumentException("the endpoints mix http:// and https://: " + endpoints);
        }
        if (https == 0 && (caCert != null || cert != null)) {
            throw new IllegalArgumentException("--cacert, --cert and --key need https:// endpoints, not "
                    + endpoints);
        }
        return https != 0;
    }

    @Override
    public String toString() {
        // Never the password: a toString ends up in logs and reports.
        return "Security[user=" + user + ", cacert=" + caCert + ", cert=" + cert + ", key=" + key + "]";
    }
}
