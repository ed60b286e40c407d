package io.ferry.tcpcopy.config;

import io.ferry.filter.api.spi.FilterConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StrategyTest {

    static Map<String, Object> map(Object sw, Object interval, Object duration, Object cpu, Object mem) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("switch", sw);
        m.put("interval", interval);
        m.put("duration", duration);
        m.put("cpu_max_rate", cpu);
        m.put("mem_max_rate", mem);
        return m;
    }

    static Strategy app(String sw) {
        return new Strategy(Switch.valueOf(sw), 40, 4, 50, 60);
    }

    static Strategy global(String sw) {
        return new Strategy(Switch.valueOf(sw), 300, 10, 70, 75);
    }

    /** Layotto's switch.go:175-255: app values when app is ON, global values when app is OFF, fixed values when FORCE_OFF. */
    @ParameterizedTest(name = "app {0} + global {1} -> on={2}, interval {3}")
    @CsvSource({
            "ON,  ON,        true,  40,   4,  50, 60",
            "ON,  OFF,       true,  40,   4,  50, 60",
            "ON,  FORCE_OFF, false, 3600, 1,  80, 70",
            "OFF, ON,        true,  300,  10, 70, 75",
            "OFF, OFF,       false, 300,  10, 70, 75",
            "OFF, FORCE_OFF, false, 3600, 1,  80, 70",
    })
    void precedenceTable(String a, String g, boolean on, int interval, int duration, double cpu, double mem) {
        assertEquals(new Effective(on, interval, duration, cpu, mem), Effective.of(app(a), global(g)));
    }

    @Test
    void defaultsAreLayottos() {
        assertEquals(new Strategy(Switch.OFF, 30, 1, 80, 70), Strategy.DEFAULT);
        assertEquals(new Effective(false, 30, 1, 80, 70), Effective.of(Strategy.DEFAULT, Strategy.DEFAULT));
    }

    @Test
    void numbersWrittenAsFloatsAreAccepted() throws Exception {
        Strategy s = Strategy.parse(map("ON", 30.0, 5.0, 80.5, 70), f -> "strategy." + f, false);
        assertEquals(new Strategy(Switch.ON, 30, 5, 80.5, 70), s);
    }

    @Test
    void fieldNamesMatchCaseInsensitivelyAsGoDoes() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Switch", "ON");
        m.put("INTERVAL", 60.0);
        m.put("Duration", 5.0);
        m.put("Cpu_Max_Rate", 80.0);
        m.put("mem_max_rate", 70.0);
        assertEquals(new Strategy(Switch.ON, 60, 5, 80, 70), Strategy.parse(m, f -> "strategy." + f, false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "switch lower case | on  | 30   | 1  | 80  | 70  | strategy.switch: \"on\" (expected: \"ON\" or \"OFF\")",
            "FORCE_OFF in app  | FORCE_OFF | 30 | 1 | 80 | 70 | strategy.switch: \"FORCE_OFF\" (expected: \"ON\" or \"OFF\")",
            "interval 0        | ON  | 0    | 1  | 80  | 70  | strategy.interval: 0 (expected: an integer from 30 to 3600 (seconds))",
            "interval 29       | ON  | 29   | 1  | 80  | 70  | strategy.interval: 29 (expected: an integer from 30 to 3600 (seconds))",
            "interval 3601     | ON  | 3601 | 1  | 80  | 70  | strategy.interval: 3601 (expected: an integer from 30 to 3600 (seconds))",
            "interval 30.5     | ON  | 30.5 | 1  | 80  | 70  | strategy.interval: 30.5 (expected: an integer from 30 to 3600 (seconds))",
            "duration 0        | ON  | 30   | 0  | 80  | 70  | strategy.duration: 0 (expected: an integer from 1 to 29 (seconds, less than interval 30))",
            "duration 40 > 30  | ON  | 30   | 40 | 80  | 70  | strategy.duration: 40 (expected: an integer from 1 to 29 (seconds, less than interval 30))",
            "duration = interval | ON | 60  | 60 | 80  | 70  | strategy.duration: 60 (expected: an integer from 1 to 59 (seconds, less than interval 60))",
            "cpu 0             | ON  | 30   | 1  | 0   | 70  | strategy.cpu_max_rate: 0 (expected: a number greater than 0 and less than 100 (percent))",
            "cpu 100           | ON  | 30   | 1  | 100 | 70  | strategy.cpu_max_rate: 100 (expected: a number greater than 0 and less than 100 (percent))",
            "mem 0             | ON  | 30   | 1  | 80  | 0   | strategy.mem_max_rate: 0 (expected: a number greater than 0 and less than 100 (percent))",
            "mem 101           | ON  | 30   | 1  | 80  | 101 | strategy.mem_max_rate: 101 (expected: a number greater than 0 and less than 100 (percent))",
    })
    void eachViolationNamesFieldValueAndRange(String name, String sw, double interval, double duration, double cpu,
                                               double mem, String message) {
        FilterConfigException e = assertThrows(FilterConfigException.class,
                () -> Strategy.parse(map(sw, interval, duration, cpu, mem), f -> "strategy." + f, false));
        assertEquals(message, e.getMessage());
    }

    @Test
    void missingFieldsAreRequiredAsInLayotto() {
        Map<String, Object> m = map("ON", 30.0, 1.0, 80.0, 70.0);
        m.remove("duration");
        FilterConfigException e = assertThrows(FilterConfigException.class, () -> Strategy.parse(m, f -> "strategy." + f, false));
        assertEquals("strategy.duration: missing (expected: an integer from 1 to 29 (seconds, less than interval 30))", e.getMessage());
    }

    @Test
    void intervalGivenAsStringIsRefused() {
        FilterConfigException e = assertThrows(FilterConfigException.class,
                () -> Strategy.parse(map("ON", "30", 1.0, 80.0, 70.0), f -> "strategy." + f, false));
        assertEquals("strategy.interval: \"30\" (expected: an integer from 30 to 3600 (seconds))", e.getMessage());
    }

    @Test
    void globalAcceptsForceOffAndSaysSoWhenWrong() throws Exception {
        assertEquals(Switch.FORCE_OFF, Strategy.parse(map("FORCE_OFF", 30.0, 1.0, 80.0, 70.0), f -> "global." + f, true).switchValue());
        FilterConfigException e = assertThrows(FilterConfigException.class,
                () -> Strategy.parse(map("force_off", 30.0, 1.0, 80.0, 70.0), f -> "global." + f, true));
        assertEquals("global.switch: \"force_off\" (expected: \"ON\", \"OFF\" or \"FORCE_OFF\")", e.getMessage());
    }
}
