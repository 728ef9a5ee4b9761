package raftkv.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TxnCommandTest {

    @Test
    void comparesAndRequestsParseAsEtcdctlWritesThem() {
        // Each parses without error; malformed ones name what was expected.
        TxnCommand.compare("value(\"k\") = \"v\"");
        TxnCommand.compare("version(\"k\") > \"3\"");
        TxnCommand.compare("create(\"k\") = \"0\"");
        TxnCommand.compare("mod(\"k\") < \"10\"");
        TxnCommand.compare("lease(\"k\") != \"694d\"");
        TxnCommand.request("put k a value with spaces");
        TxnCommand.request("get k");
        TxnCommand.request("del a b");
        Kvctl.UsageError e = assertThrows(Kvctl.UsageError.class, () -> TxnCommand.compare("value(k) == v"));
        assertEquals("bad compare \"value(k) == v\": expected e.g. value(\"key\") = \"v\"", e.getMessage());
        assertThrows(Kvctl.UsageError.class, () -> TxnCommand.request("put k"));
        assertThrows(Kvctl.UsageError.class, () -> TxnCommand.request("cas k v"));
        assertThrows(Kvctl.UsageError.class, () -> TxnCommand.compare("version(\"k\") > \"x\""));
    }
}
