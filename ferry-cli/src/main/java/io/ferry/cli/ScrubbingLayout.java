package io.ferry.cli;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.ferry.proxy.logging.LogRedaction;

/**
 * logback's {@link PatternLayout} whose every line, message and stack trace included, passes through
 * {@link LogRedaction#scrub}: a credential of the config never reaches a log, whoever logs it.
 */
public final class ScrubbingLayout extends PatternLayout {

    @Override
    public String doLayout(ILoggingEvent event) {
        return LogRedaction.scrub(super.doLayout(event));
    }
}
