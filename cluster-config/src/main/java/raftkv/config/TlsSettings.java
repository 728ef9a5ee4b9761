package raftkv.config;

import com.fasterxml.jackson.annotation.JsonCreator;

/** TLS for the client port and between members. Off unless configured. */
public record TlsSettings() {
    public static final TlsSettings DEFAULTS = new TlsSettings();

    @JsonCreator
    public TlsSettings {
    }
}
