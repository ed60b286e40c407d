package io.ferry.tcpcopy.dump;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A small tmpfs mounted for a test (a disk that fills up), where the test runs as root on Linux. */
final class TmpFs {

    private static volatile String why = "";

    private TmpFs() {
    }

    /** Mounts a tmpfs of {@code bytes} on {@code dir}; false (see {@link #why()}) if that is not possible here. */
    static boolean mount(Path dir, long bytes) {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            why = "not Linux";
            return false;
        }
        return run("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0700", "tmpfs", dir.toString());
    }

    static void unmount(Path dir) {
        run("umount", dir.toString());
    }

    /** Why the last mount failed. */
    static String why() {
        return why;
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                why = String.join(" ", command) + " did not finish";
                return false;
            }
            if (p.exitValue() != 0) {
                why = String.join(" ", command) + ": " + out;
                return false;
            }
            return true;
        } catch (Exception e) {
            why = e.toString();
            return false;
        }
    }
}
