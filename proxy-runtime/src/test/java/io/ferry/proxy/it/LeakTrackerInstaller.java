package io.ferry.proxy.it;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs the {@link LeakTracker} when the test session opens, before any test class can load Netty's buffer
 * classes (whose leak detector is chosen once, when they are initialised). Registered in the test resources'
 * {@code META-INF/services}.
 */
public final class LeakTrackerInstaller implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LeakTracker.install();
    }
}
