package raftkv.config;

import java.util.List;

/** A configuration file that cannot be used; each problem names the file, the field and what is wrong. */
public final class ConfigException extends Exception {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
