package raftkv.config;

/** A {@code host:port} address. */
public record HostPort(String host, int port) {

    /** Parses {@code host:port}; throws {@link IllegalArgumentException} with a readable reason. */
    public static HostPort parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("is empty; expected host:port");
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("'" + s + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' has a port that is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range (1-65535)");
        }
        return new HostPort(s.substring(0, colon), port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
