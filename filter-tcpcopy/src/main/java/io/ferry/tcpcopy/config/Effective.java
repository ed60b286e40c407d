package io.ferry.tcpcopy.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values in force for one tcpcopy instance, combined from its app strategy and the global one with Layotto's
 * precedence (strategy/switch.go:175-255):
 * <ul>
 *   <li>switch: off if global is {@code FORCE_OFF}; else, if the app switch is {@code OFF}, it follows global
 *       ({@code global == ON}); else it follows the app switch;</li>
 *   <li>interval, duration, cpu and mem: 3600, 1, 80 and 70 if global is {@code FORCE_OFF}; else the app values if
 *       the app switch is {@code ON}; else the global values.</li>
 * </ul>
 */
public record Effective(boolean on, int interval, int duration, double cpuMaxRate, double memMaxRate) {

    public static Effective of(Strategy app, Strategy global) {
        boolean on;
        Strategy values;
        if (global.switchValue() == Switch.FORCE_OFF) {
            on = false;
            values = Strategy.FORCED_OFF_VALUES;
        } else if (app.switchValue() == Switch.OFF) {
            on = global.switchValue() == Switch.ON;
            values = global;
        } else {
            on = app.switchValue() == Switch.ON;
            values = app;
        }
        return new Effective(on, values.interval(), values.duration(), values.cpuMaxRate(), values.memMaxRate());
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("switch", on ? "ON" : "OFF");
        m.put("interval", interval);
        m.put("duration", duration);
        m.put("cpu_max_rate", cpuMaxRate);
        m.put("mem_max_rate", memMaxRate);
        return m;
    }
}
