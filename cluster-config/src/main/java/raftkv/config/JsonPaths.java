package raftkv.config;

import com.fasterxml.jackson.databind.JsonMappingException;

/**
 * Where in a document Jackson failed, as the error messages of the configuration and of the JSON API name it:
 * {@code cluster.members[2].raft}.
 */
public final class JsonPaths {

    private JsonPaths() {
    }

    /**
     * The path of the field {@code e} is about: field names joined with dots, list positions as {@code [i]};
     * {@code whole} when the failure is about the document itself (no field, no position).
     */
    public static String of(JsonMappingException e, String whole) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? whole : sb.toString();
    }
}
